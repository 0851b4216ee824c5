# Adds JPEG subsampling/quality variants, animated WebP (lossy and lossless), a GIF whose frames carry
# different palettes, and extreme sizes/aspect ratios to pillow/expected.json, with reference hashes from
# the fixtures' reimpl_check.py on Pillow 9.4.0:
#   /usr/bin/python3 generate_pillow_jpeg_webp_cases.py pillow
import sys, os, json
import numpy as np
from PIL import Image
sys.path.insert(0, os.environ.get('CRAFTFLOW_FIXTURES', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'shared', 'fixtures', 'imagehash')))
import reimpl_check as rc

out = sys.argv[1]
H, W = 75, 101
yy, xx = np.mgrid[0:H, 0:W]
base = np.stack([(xx * 3 + yy) % 256, (yy * 5) % 256, ((xx * xx + yy) // 7) % 256], -1).astype(np.uint8)
base[20:50, 30:70] = [200, 30, 90]
rgb = Image.fromarray(base)
files = []
def save(n, im, **kw):
    im.save(os.path.join(out, n), **kw); files.append(n)
save('j422.jpg', rgb, quality=80, subsampling=1)
save('j420_q20.jpg', rgb, quality=20)
save('j444_q100.jpg', rgb, quality=100, subsampling=0)
save('j_opt_prog.jpg', rgb, quality=85, optimize=True, progressive=True)
frames = [rgb, rgb.rotate(90, expand=False), rgb.transpose(Image.FLIP_TOP_BOTTOM)]
save('anim.webp', frames[0], save_all=True, append_images=frames[1:], duration=100, lossless=False, quality=70)
save('anim_lossless.webp', frames[0], save_all=True, append_images=frames[1:], duration=100, lossless=True)
p1 = rgb.convert('P', palette=Image.ADAPTIVE, colors=64)
p2 = rgb.transpose(Image.FLIP_LEFT_RIGHT).convert('P', palette=Image.ADAPTIVE, colors=32)
save('gif_two_palettes.gif', p1, save_all=True, append_images=[p2])
save('odd_size.png', rgb.resize((7, 300)))
save('tiny_3x2.png', rgb.resize((3, 2)))
save('wide_strip.jpg', rgb.resize((1000, 9)))
save('huge_aspect.webp', rgb.resize((5, 600)))
path = os.path.join(out, 'expected.json')
res = json.load(open(path))
for f in files:
    im = Image.open(os.path.join(out, f)); im.load()
    _, h = rc.all_hashes(im)
    res[f] = {'mode': im.mode, 'size': im.size, 'hashes': {k: h[k] for k in ('average_hash', 'phash', 'dhash', 'whash_haar', 'average_hash_16', 'phash_16', 'dhash_16')}}
json.dump(res, open(path, 'w'), indent=1)
