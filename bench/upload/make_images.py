"""Writes N distinct photo-like 1024x1024 JPEGs (quality 90) into a directory.

Gradients + noise + random shapes, seeded per image, so no two are duplicates or near-duplicates
and each compresses like a photo (a few hundred KB), not like a flat colour.
Needs Pillow: run with /usr/bin/python3 (Debian's python3-pil).
Usage: /usr/bin/python3 make_images.py OUT_DIR [COUNT]
"""
import os
import random
import sys

from PIL import Image, ImageDraw, ImageFilter

SIZE = 1024


def make(index: int) -> Image.Image:
    rng = random.Random(index * 7919 + 17)
    # Two-colour diagonal gradient, built small and scaled up (fast), as the background.
    c1 = [rng.randrange(256) for _ in range(3)]
    c2 = [rng.randrange(256) for _ in range(3)]
    small = Image.new("RGB", (64, 64))
    small.putdata([
        tuple(int(c1[k] + (c2[k] - c1[k]) * (x + y) / 126) for k in range(3))
        for y in range(64) for x in range(64)
    ])
    image = small.resize((SIZE, SIZE), Image.BILINEAR)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(8, 20)):
        x0, y0 = rng.randrange(SIZE), rng.randrange(SIZE)
        x1, y1 = x0 + rng.randint(40, 500), y0 + rng.randint(40, 500)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = rng.choice(("ellipse", "rectangle", "line"))
        if shape == "ellipse":
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif shape == "rectangle":
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=rng.randint(3, 30))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.0)))
    # Per-pixel noise so the JPEG is photo-sized, mixed in at ~15 %.
    noise = Image.frombytes("RGB", (SIZE, SIZE), rng.randbytes(SIZE * SIZE * 3))
    return Image.blend(image, noise, 0.15)


def main() -> None:
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    os.makedirs(out, exist_ok=True)
    for i in range(count):
        make(i).save(os.path.join(out, f"design-{i:03d}.jpg"), "JPEG", quality=90)


if __name__ == "__main__":
    main()
