import sys, os, json, struct
# Adds 16-bit TIFF cases (LZW, Deflate, PackBits, big-endian RGB) to pillow/expected.json, with reference
# hashes from the fixtures' reimpl_check.py on Pillow 9.4.0:
#   /usr/bin/python3 generate_pillow_tiff16_cases.py pillow
import numpy as np
from PIL import Image
sys.path.insert(0, os.environ.get('CRAFTFLOW_FIXTURES', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'shared', 'fixtures', 'imagehash')))
import reimpl_check as rc
out = sys.argv[1]
rng = np.random.default_rng(11)
H, W = 90, 130
yy, xx = np.mgrid[0:H, 0:W]
g16 = ((xx * 7 + yy * 3) % 600 + rng.integers(0, 30, (H, W))).astype(np.uint16)
files = []
def save(name, im, **kw):
    im.save(os.path.join(out, name), **kw); files.append(name)
im = Image.fromarray(g16, 'I;16')
save('gray16_lzw.tif', im, compression='tiff_lzw')
save('gray16_deflate.tif', im, compression='tiff_adobe_deflate')
save('gray16_packbits.tif', im, compression='packbits')
# 16-bit RGB, big-endian, uncompressed, written by hand
rgb16 = (rng.integers(0, 65536, (H, W, 3))).astype(np.uint16)
rgb16[..., 0] = (xx * 500).astype(np.uint16)
def write_tiff_rgb16_be(path, a):
    h, w, _ = a.shape
    data = a.astype('>u2').tobytes()
    entries = []
    def e(tag, typ, cnt, val): entries.append((tag, typ, cnt, val))
    n_entries = 10
    ifd_off = 8
    ifd_size = 2 + n_entries * 12 + 4
    bps_off = ifd_off + ifd_size
    data_off = bps_off + 6
    e(256, 3, 1, struct.pack('>HH', w, 0))
    e(257, 3, 1, struct.pack('>HH', h, 0))
    e(258, 3, 3, struct.pack('>I', bps_off))
    e(259, 3, 1, struct.pack('>HH', 1, 0))
    e(262, 3, 1, struct.pack('>HH', 2, 0))
    e(273, 4, 1, struct.pack('>I', data_off))
    e(277, 3, 1, struct.pack('>HH', 3, 0))
    e(278, 3, 1, struct.pack('>HH', h, 0))
    e(279, 4, 1, struct.pack('>I', len(data)))
    e(284, 3, 1, struct.pack('>HH', 1, 0))
    b = b'MM\x00*' + struct.pack('>I', ifd_off) + struct.pack('>H', n_entries)
    for tag, typ, cnt, val in entries:
        b += struct.pack('>HHI', tag, typ, cnt) + val
    b += struct.pack('>I', 0) + struct.pack('>HHH', 16, 16, 16) + data
    open(path, 'wb').write(b)
write_tiff_rgb16_be(os.path.join(out, 'rgb16_be.tif'), rgb16); files.append('rgb16_be.tif')
res = json.load(open(os.path.join(out, 'expected.json')))
for f in files:
    im = Image.open(os.path.join(out, f)); im.load()
    g, h = rc.all_hashes(im)
    res[f] = {'mode': im.mode, 'size': im.size, 'hashes': {k: h[k] for k in ('average_hash', 'phash', 'dhash', 'whash_haar', 'average_hash_16', 'phash_16', 'dhash_16')}}
    print(f, im.mode, im.size, im.info.get('compression'))
json.dump(res, open(os.path.join(out, 'expected.json'), 'w'), indent=1)
