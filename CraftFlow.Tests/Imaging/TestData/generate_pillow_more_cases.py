# Adds more Pillow-decoded edge cases (low bit depths, transparency, palette/bilevel/LA/CMYK/JPEG TIFF,
# palette/1-bit/RGBA BMP, interlaced GIF, gray WebP/JPEG) to pillow/expected.json, with reference hashes
# from the fixtures' reimpl_check.py on Pillow 9.4.0:
#   /usr/bin/python3 generate_pillow_more_cases.py pillow
import sys, os, json
import numpy as np
from PIL import Image
sys.path.insert(0, os.environ.get('CRAFTFLOW_FIXTURES', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'shared', 'fixtures', 'imagehash')))
import reimpl_check as rc

out = sys.argv[1]
H, W = 48, 64
yy, xx = np.mgrid[0:H, 0:W]
base = np.stack([(xx * 4) % 256, (yy * 5) % 256, ((xx + yy) * 3) % 256], -1).astype(np.uint8)
rgb = Image.fromarray(base)
files = []
def save(n, im, **kw):
    im.save(os.path.join(out, n), **kw); files.append(n)
g = rgb.convert('L')
save('g2.png', g, bits=2)
save('g4.png', g, bits=4)
save('p1.png', rgb.convert('1').convert('P'), bits=1)
p = rgb.convert('P', palette=Image.ADAPTIVE, colors=16)
save('p4_trns.png', p, bits=4, transparency=3)
save('g_trns.png', g.copy(), transparency=128)
save('tif_miniswhite.tif', g.convert('1'))
save('bmp_p8.bmp', rgb.convert('P', palette=Image.ADAPTIVE))
save('bmp_p4.bmp', rgb.convert('P', palette=Image.ADAPTIVE, colors=16))
save('bmp_1.bmp', rgb.convert('1'))
rgba = rgb.copy(); rgba.putalpha(Image.fromarray((xx * 4 % 256).astype(np.uint8)))
save('bmp_rgba.bmp', rgba)
save('gif_trns_interlaced.gif', p, transparency=3, interlace=True)
save('webp_lossless_gray.webp', g.convert('RGB'), lossless=True)
save('tif_gray8_lzw_pred.tif', g, compression='tiff_lzw')
save('tif_p.tif', rgb.convert('P', palette=Image.ADAPTIVE))
save('jpg_gray_prog.jpg', g, progressive=True, quality=60)
save('tif_la.tif', Image.merge('LA', [g, g]))
save('tif_cmyk_lzw.tif', rgb.convert('CMYK'), compression='tiff_lzw')
save('png_rgba_interlaced.png', rgba)
save('tif_jpeg.tif', rgb, compression='jpeg')
path = os.path.join(out, 'expected.json')
res = json.load(open(path))
for f in files:
    im = Image.open(os.path.join(out, f)); im.load()
    _, h = rc.all_hashes(im)
    res[f] = {'mode': im.mode, 'size': im.size, 'hashes': {k: h[k] for k in ('average_hash', 'phash', 'dhash', 'whash_haar', 'average_hash_16', 'phash_16', 'dhash_16')}}
json.dump(res, open(path, 'w'), indent=1)
