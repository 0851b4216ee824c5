# Adds hand-built files Pillow cannot write itself: 16-bit BMP (5-5-5 bottom-up, 5-6-5 bitfields top-down)
# and a GIF whose first frame is smaller than its logical screen, with reference hashes from the fixtures'
# reimpl_check.py on Pillow 9.4.0:
#   /usr/bin/python3 generate_pillow_bmp16_gif_cases.py pillow
import io, os, struct, sys, json
import numpy as np
from PIL import Image
sys.path.insert(0, os.environ.get('CRAFTFLOW_FIXTURES', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'shared', 'fixtures', 'imagehash')))
import reimpl_check as rc

out = sys.argv[1]

def bmp16(path, px, top_down, bitfields=None):
    h, w = px.shape
    row = w * 2; pad = (4 - row % 4) % 4
    rows = range(h) if top_down else range(h - 1, -1, -1)
    data = b''.join(px[y].astype('<u2').tobytes() + b'\0' * pad for y in rows)
    extra = struct.pack('<III', *bitfields) if bitfields else b''
    hdr = struct.pack('<IiiHHIIiiII', 40, w, -h if top_down else h, 1, 16, 3 if bitfields else 0, len(data), 2835, 2835, 0, 0) + extra
    fh = b'BM' + struct.pack('<IHHI', 14 + len(hdr) + len(data), 0, 0, 14 + len(hdr))
    open(path, 'wb').write(fh + hdr + data)

yy, xx = np.mgrid[0:48, 0:64]
bmp16(os.path.join(out, 'rgb555.bmp'), ((xx // 2) & 31) | (((yy // 2) & 31) << 5) | ((((xx + yy) // 4) & 31) << 10), top_down=False)
yy, xx = np.mgrid[0:40, 0:50]
bmp16(os.path.join(out, 'rgb565_topdown.bmp'), ((xx * 31) // 50) << 11 | ((yy * 63) // 40) << 5 | (((xx + yy) * 31) // 90), top_down=True, bitfields=(0xF800, 0x7E0, 0x1F))

# GIF: a 40x30 frame at (10, 5) on an 80x60 screen, background index 2.
frame = Image.new('P', (40, 30))
frame.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * (3 * 252))
for y in range(30):
    for x in range(40):
        frame.putpixel((x, y), 1 + ((x // 5 + y // 5) % 3))
buf = io.BytesIO(); frame.save(buf, 'GIF')
b = bytearray(buf.getvalue())
b[6:8] = struct.pack('<H', 80); b[8:10] = struct.pack('<H', 60); b[11] = 2
i = b.index(0x2C, 13)
b[i + 1:i + 3] = struct.pack('<H', 10); b[i + 3:i + 5] = struct.pack('<H', 5)
open(os.path.join(out, 'gif_frame_smaller_than_screen.gif'), 'wb').write(b)

path = os.path.join(out, 'expected.json')
res = json.load(open(path))
for f in ('rgb555.bmp', 'rgb565_topdown.bmp', 'gif_frame_smaller_than_screen.gif'):
    im = Image.open(os.path.join(out, f)); im.load()
    _, h = rc.all_hashes(im)
    res[f] = {'mode': im.mode, 'size': im.size, 'hashes': {k: h[k] for k in ('average_hash', 'phash', 'dhash', 'whash_haar', 'average_hash_16', 'phash_16', 'dhash_16')}}
json.dump(res, open(path, 'w'), indent=1)
