"""The seed stack's hashing, as the peer of CraftFlow's benchmarks: imagehash 4.3.2's average_hash, phash, dhash
and whash (haar), each called on the opened image the way the previous Python backend did.

imagehash itself is not packaged by Debian (and PyPI is not reachable here), so these four functions are written
from /work/shared/fixtures/imagehash/ALGORITHMS.md on the libraries imagehash calls and with the same calls:
Pillow's convert('L') and resize(LANCZOS), numpy's mean/median, scipy.fftpack.dct, PyWavelets' wavedec2/waverec2.
The cost is therefore imagehash's cost. `--check` proves the output is imagehash's: it recomputes the fixtures'
vectors.json and must print 0 mismatches.

Run with Debian's python3-pil, python3-numpy, python3-scipy, python3-pywt (/usr/bin/python3):
    /usr/bin/python3 imagehash_peer.py FILE...          # prints files, seconds, images/s (one process, one core)
    /usr/bin/python3 imagehash_peer.py --check [FIXTURES_DIR]
"""
import json
import os
import sys
import time

import numpy
import pywt
import scipy.fftpack
from PIL import Image

LANCZOS = Image.Resampling.LANCZOS


def bits_to_hex(bits) -> str:
    flat = "".join("1" if b else "0" for b in numpy.asarray(bits).flatten())
    width = (len(flat) + 3) // 4
    return format(int(flat, 2), f"0{width}x")


def average_hash(image, hash_size=8):
    pixels = numpy.asarray(image.convert("L").resize((hash_size, hash_size), LANCZOS))
    return pixels > pixels.mean()


def phash(image, hash_size=8, highfreq_factor=4):
    size = hash_size * highfreq_factor
    pixels = numpy.asarray(image.convert("L").resize((size, size), LANCZOS))
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
    low = dct[:hash_size, :hash_size]
    return low > numpy.median(low)


def dhash(image, hash_size=8):
    pixels = numpy.asarray(image.convert("L").resize((hash_size + 1, hash_size), LANCZOS))
    return pixels[:, 1:] > pixels[:, :-1]


def whash(image, hash_size=8):
    natural = 2 ** int(numpy.log2(min(image.size)))
    scale = max(natural, hash_size)
    max_level = int(numpy.log2(scale))
    level = int(numpy.log2(hash_size))
    pixels = numpy.asarray(image.convert("L").resize((scale, scale), LANCZOS)) / 255.0
    coeffs = pywt.wavedec2(pixels, "haar", level=max_level)
    coeffs = list(coeffs)
    coeffs[0] *= 0
    pixels = pywt.waverec2(coeffs, "haar")
    low = pywt.wavedec2(pixels, "haar", level=max_level - level)[0]
    return low > numpy.median(low)


def hash_file(path):
    with Image.open(path) as image:
        return {
            "average_hash": bits_to_hex(average_hash(image)),
            "phash": bits_to_hex(phash(image)),
            "dhash": bits_to_hex(dhash(image)),
            "whash_haar": bits_to_hex(whash(image)),
        }


def check(directory):
    with open(os.path.join(directory, "vectors.json")) as f:
        vectors = json.load(f)
    mismatches = 0
    for record in vectors["images"]:
        got = hash_file(os.path.join(directory, record["file"]))
        for name, value in got.items():
            if record["hashes"].get(name) != value:
                mismatches += 1
                print(f"{record['file']} {name}: imagehash {record['hashes'].get(name)} peer {value}")
    print(f"{len(vectors['images'])} fixtures, {mismatches} mismatches")
    return mismatches


def main():
    if sys.argv[1:2] == ["--check"]:
        sys.exit(1 if check(sys.argv[2] if len(sys.argv) > 2 else "/work/shared/fixtures/imagehash") else 0)
    files = sys.argv[1:]
    started = time.perf_counter()
    for path in files:
        hash_file(path)
    seconds = time.perf_counter() - started
    print(f"{len(files)} {seconds:.2f} {len(files) / seconds:.2f}")


if __name__ == "__main__":
    main()
