#!/usr/bin/env python3
"""Writes a folder of 32x32 RGB images, one subfolder per class (as `advlab data signs`
renders them), as a CIFAR-10 binary batch with its batches.meta.txt (the class names), so the CIFAR-10 reader and a CIFAR-sized
model can be benchmarked where no CIFAR-10 files exist. Classes are interleaved (record
i has class i mod K while each class lasts), so `--limit N` takes every class.

    python bench/signs_to_cifar10.py cache/signs/signs/test cache/signs-cifar/test_batch.bin
"""
import os
import sys

from PIL import Image


def main(folder, out):
    classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    files = [sorted(os.listdir(os.path.join(folder, c))) for c in classes]
    records = []
    for i in range(max(len(f) for f in files)):
        for label, names in enumerate(files):
            if i >= len(names):
                continue
            image = Image.open(os.path.join(folder, classes[label], names[i])).convert("RGB")
            if image.size != (32, 32):
                sys.exit(f"{names[i]}: {image.size[0]}x{image.size[1]}, CIFAR-10 records are 32x32")
            r, g, b = image.split()
            records.append(bytes([label]) + r.tobytes() + g.tobytes() + b.tobytes())
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "wb") as f:
        f.write(b"".join(records))
    # The reader takes the class count and names from the meta file.
    with open(os.path.join(os.path.dirname(out) or ".", "batches.meta.txt"), "w") as f:
        f.write("".join(c + "\n" for c in classes))
    print(f"{len(records)} records of {len(classes)} classes ({', '.join(classes)}) -> {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
