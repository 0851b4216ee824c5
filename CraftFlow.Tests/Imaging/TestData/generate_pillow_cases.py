import sys, os, json, zlib, struct, io
# Generates the extra decoder cases (CMYK, 16-bit, LA, WebP with alpha, animated GIF, EXIF orientation, TIFF)
# and their reference hashes with reimpl_check.py (which reproduces imagehash bit for bit) on Pillow 9.4.0:
#   /usr/bin/python3 generate_pillow_cases.py
import numpy as np
from PIL import Image
sys.path.insert(0, os.environ.get('CRAFTFLOW_FIXTURES', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'shared', 'fixtures', 'imagehash')))
import reimpl_check as rc

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pillow')
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
W, H = 160, 120
yy, xx = np.mgrid[0:H, 0:W]
base = np.stack([(xx * 255 // W), (yy * 255 // H), ((xx + yy) * 3) % 256], -1).astype(np.uint8)
# add blobs
for _ in range(6):
    cx, cy, r = rng.integers(0, W), rng.integers(0, H), rng.integers(8, 30)
    col = rng.integers(0, 256, 3)
    m = (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
    base[m] = col
rgb = Image.fromarray(base, 'RGB')

def png_chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)

def write_png16(path, arr, color_type, interlace=False):
    h, w = arr.shape[:2]
    ch = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    a = arr.reshape(h, w, ch).astype('>u2')
    raw = b''
    if not interlace:
        for y in range(h):
            raw += b'\x00' + a[y].tobytes()
    else:
        for (x0, y0, dx, dy) in [(0,0,8,8),(4,0,8,8),(0,4,4,8),(2,0,4,4),(0,2,2,4),(1,0,2,2),(0,1,1,2)]:
            sub = a[y0::dy, x0::dx]
            if sub.size == 0: continue
            for y in range(sub.shape[0]):
                raw += b'\x01' if False else b'\x00'
                raw += sub[y].tobytes()
    ihdr = struct.pack('>IIBBBBB', w, h, 16, color_type, 0, 0, 1 if interlace else 0)
    data = b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', ihdr) + png_chunk(b'IDAT', zlib.compress(raw, 9)) + png_chunk(b'IEND', b'')
    open(path, 'wb').write(data)

files = []
def save(name, im, **kw):
    p = os.path.join(out, name); im.save(p, **kw); files.append(name)

save('cmyk.jpg', rgb.convert('CMYK'), quality=90)
save('cmyk.tif', rgb.convert('CMYK'))
save('rgb_lzw.tif', rgb, compression='tiff_lzw')
save('rgb_deflate.tif', rgb, compression='tiff_adobe_deflate')
g16 = ((base[..., 0].astype(np.uint32) * 3) + base[..., 1]).astype(np.uint16)  # 0..1020
save('gray16.tif', Image.fromarray(g16, 'I;16'))
save('gray16_I.png', Image.fromarray(g16.astype(np.int32), 'I'))
rgb16 = (base.astype(np.uint16) * 257 + rng.integers(0, 257, base.shape)).astype(np.uint16)
write_png16(os.path.join(out, 'rgb16.png'), rgb16, 2); files.append('rgb16.png')
rgba16 = np.concatenate([rgb16, rng.integers(0, 65536, (H, W, 1)).astype(np.uint16)], -1)
write_png16(os.path.join(out, 'rgba16_interlaced.png'), rgba16, 6, interlace=True); files.append('rgba16_interlaced.png')
la16 = np.stack([g16 * 60, rng.integers(0, 65536, (H, W)).astype(np.uint16)], -1)
write_png16(os.path.join(out, 'la16.png'), la16, 4); files.append('la16.png')
write_png16(os.path.join(out, 'gray16_interlaced.png'), g16, 0, interlace=True); files.append('gray16_interlaced.png')
la = Image.merge('LA', [rgb.convert('L'), Image.fromarray(rng.integers(0, 256, (H, W)).astype(np.uint8))])
save('la.png', la)
rgba = rgb.copy(); rgba.putalpha(Image.fromarray((xx * 2 % 256).astype(np.uint8)))
save('rgba_lossless.webp', rgba, lossless=True)
save('rgb_q75.webp', rgb, quality=75)
save('rgba_q75.webp', rgba, quality=75)
save('gray_q85.jpg', rgb.convert('L'), quality=85)
save('interlaced.png', rgb, optimize=False)
# interlaced 8-bit: PIL cannot write Adam7; skip
pal = rgb.convert('P', palette=Image.ADAPTIVE, colors=32)
save('pal.png', pal)
frames = [rgb.convert('P', palette=Image.ADAPTIVE), rgb.transpose(Image.FLIP_LEFT_RIGHT).convert('P', palette=Image.ADAPTIVE)]
p = os.path.join(out, 'anim.gif'); frames[0].save(p, save_all=True, append_images=frames[1:], duration=100, loop=0); files.append('anim.gif')
exif = Image.Exif(); exif[0x0112] = 6
save('exif6.jpg', rgb, quality=90, exif=exif.tobytes())
save('rgba.tif', rgba)
save('rgb_444_q95.jpg', rgb, quality=95, subsampling=0)
save('rgb_progressive.jpg', rgb, quality=70, progressive=True)


save('bmp32.bmp', rgba)

res = {}
for f in files:
    im = Image.open(os.path.join(out, f)); im.load()
    g, h = rc.all_hashes(im)
    res[f] = {'mode': im.mode, 'size': im.size, 'hashes': {k: h[k] for k in ('average_hash', 'phash', 'dhash', 'whash_haar', 'average_hash_16', 'phash_16', 'dhash_16')}}
    print(f, im.mode, im.size)
json.dump(res, open(os.path.join(out, 'expected.json'), 'w'), indent=1)
