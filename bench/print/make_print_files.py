"""Writes N distinct print-size transparent PNGs (4500x5400 RGBA, the common t-shirt print size at 300 dpi).

Each is one real clip-art PNG from Debian's openclipart-png, scaled with Lanczos to fill most of the canvas and
centred on a transparent background, as a seller's print file is made. Artwork is picked deterministically
(every k-th colour file of the collection), so runs are comparable.
Needs Pillow and openclipart-png: run with /usr/bin/python3 (Debian's python3-pil).
Usage: /usr/bin/python3 make_print_files.py OUT_DIR [COUNT] [WIDTH HEIGHT]
"""
import glob
import os
import sys
from concurrent.futures import ProcessPoolExecutor

from PIL import Image

CLIPART = "/usr/share/openclipart/png"


def artwork(count: int) -> list[str]:
    files = sorted(glob.glob(os.path.join(CLIPART, "**", "*.png"), recursive=True))
    if not files:
        sys.exit(f"no PNGs under {CLIPART}: apt-get install -y openclipart-png")
    # Prefer larger artwork (it scales up with fewer artefacts); spread the picks over the whole collection.
    large = [f for f in files if os.path.getsize(f) > 20_000] or files
    step = max(1, len(large) // count)
    return [large[(i * step) % len(large)] for i in range(count)]


def make(job: tuple[str, str, int, int]) -> str:
    source, target, width, height = job
    art = Image.open(source).convert("RGBA")
    scale = min(width * 0.9 / art.width, height * 0.9 / art.height)
    art = art.resize((max(1, round(art.width * scale)), max(1, round(art.height * scale))), Image.LANCZOS)
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    canvas.paste(art, ((width - art.width) // 2, (height - art.height) // 2))
    canvas.save(target, "PNG")
    return target


def main() -> None:
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    width = int(sys.argv[3]) if len(sys.argv) > 3 else 4500
    height = int(sys.argv[4]) if len(sys.argv) > 4 else 5400
    os.makedirs(out, exist_ok=True)
    jobs = [(src, os.path.join(out, f"print-{i:03d}.png"), width, height) for i, src in enumerate(artwork(count))]
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        list(pool.map(make, jobs))


if __name__ == "__main__":
    main()
