"""Builds the raw data set as an ImageFolder zip (<class>/<image>.png, RGB) plus a held-out unlabelled pool.

fashion:   from the Fashion-MNIST IDX files (Debian's dataset-fashion-mnist), official train split -> zip,
           official test split -> optional second zip, some training images held out as the unlabelled pool.
synthetic: a tiny generated set of shapes (for tests): learnable in seconds by a small network.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import struct
import zipfile

import numpy as np
from common import ScriptError, log, run_main
from PIL import Image, ImageDraw

FASHION_CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
SYNTHETIC_CLASSES = ["circle", "square", "triangle", "cross", "h-stripes", "v-stripes"]


def read_idx(path: str) -> np.ndarray:
    """An IDX file (gzip or plain) as a uint8 array: (n,) labels or (n, rows, cols) images."""
    if not os.path.isfile(path):
        raise ScriptError(f"{path} not found (install the Debian package dataset-fashion-mnist or pass --source)")
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2049:
        return np.frombuffer(data, dtype=np.uint8, count=count, offset=8)
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, dtype=np.uint8, count=count * rows * cols, offset=16).reshape(count, rows, cols)
    raise ScriptError(f"{path} is not an IDX image or label file (magic number {magic})")


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def to_rgb(pixels: np.ndarray, size: int) -> Image.Image:
    image = Image.fromarray(pixels).convert("RGB")
    return image if image.size == (size, size) else image.resize((size, size), Image.BILINEAR)


def write_zip(path: str, entries: list[tuple[str, bytes]]) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # PNGs are already compressed: storing them is faster and barely larger.
    with zipfile.ZipFile(path + ".tmp", "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in entries:
            # A fixed timestamp: the same data gives the same zip, byte for byte (and the same pipeline cache key).
            z.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    os.replace(path + ".tmp", path)


def select(labels: np.ndarray, per_class: int, pool_count: int, rng: random.Random) -> tuple[list[int], list[int]]:
    """Indices for the labelled set (at most per_class of each class) and for the pool (disjoint, stratified)."""
    classes = sorted(set(labels.tolist()))
    by_class = {c: [i for i in range(len(labels)) if labels[i] == c] for c in classes}
    for idx in by_class.values():
        rng.shuffle(idx)
    pool_each = [pool_count // len(classes) + (1 if k < pool_count % len(classes) else 0) for k in range(len(classes))]
    labelled, pool = [], []
    for k, c in enumerate(classes):
        idx = by_class[c]
        if pool_each[k] >= len(idx):
            raise ScriptError(f"--pool-count {pool_count} leaves no labelled images of class {c}")
        pool += idx[: pool_each[k]]
        rest = idx[pool_each[k] :]
        labelled += rest[:per_class] if per_class > 0 else rest
    return sorted(labelled), sorted(pool)


def write_pool(pool_dir: str, images: list[Image.Image], labels: list[str], labels_file: str | None) -> None:
    os.makedirs(pool_dir, exist_ok=True)
    truth = {}
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        name = f"pool-{i:05d}.png"
        with open(os.path.join(pool_dir, name), "wb") as f:
            f.write(png_bytes(image))
        truth[name] = label
    if labels_file:
        # Kept outside the pool folder: the pool is unlabelled; this is only for simulating annotators.
        with open(labels_file, "w") as f:
            json.dump(truth, f, indent=1)


def fashion(args) -> None:
    rng = random.Random(args.seed)
    src = args.source
    train_x = read_idx(os.path.join(src, "train-images-idx3-ubyte.gz"))
    train_y = read_idx(os.path.join(src, "train-labels-idx1-ubyte.gz"))
    labelled, pool = select(train_y, args.per_class, args.pool_count, rng)
    entries = [
        (f"{FASHION_CLASSES[train_y[i]]}/train-{i:05d}.png", png_bytes(to_rgb(train_x[i], args.size))) for i in labelled
    ]
    write_zip(args.output, entries)
    log(f"wrote {args.output}: {len(entries)} images, {len(FASHION_CLASSES)} classes, {args.size} px")
    if args.test_output:
        test_x = read_idx(os.path.join(src, "t10k-images-idx3-ubyte.gz"))
        test_y = read_idx(os.path.join(src, "t10k-labels-idx1-ubyte.gz"))
        tests = [
            (f"{FASHION_CLASSES[test_y[i]]}/test-{i:05d}.png", png_bytes(to_rgb(test_x[i], args.size)))
            for i in range(len(test_y))
        ]
        write_zip(args.test_output, tests)
        log(f"wrote {args.test_output}: {len(tests)} images (the official test split)")
    if args.pool_dir and pool:
        write_pool(
            args.pool_dir,
            [to_rgb(train_x[i], args.size) for i in pool],
            [FASHION_CLASSES[train_y[i]] for i in pool],
            args.pool_labels,
        )
        log(f"wrote {len(pool)} unlabelled images to {args.pool_dir}")


def draw_shape(kind: str, size: int, rng: random.Random) -> Image.Image:
    """One synthetic image: a coloured shape with jittered position, scale and colour on a noisy background."""
    bg = tuple(rng.randint(0, 60) for _ in range(3))
    fg = tuple(rng.randint(150, 255) for _ in range(3))
    scale = 4  # drawn large then downscaled, for antialiased edges
    s = size * scale
    image = Image.new("RGB", (s, s), bg)
    d = ImageDraw.Draw(image)
    r = rng.uniform(0.25, 0.38) * s
    cx, cy = rng.uniform(0.4, 0.6) * s, rng.uniform(0.4, 0.6) * s
    w = max(2, int(s * 0.09))
    if kind == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fg)
    elif kind == "square":
        d.rectangle([cx - r, cy - r, cx + r, cy + r], fill=fg)
    elif kind == "triangle":
        d.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=fg)
    elif kind == "cross":
        d.line([(cx - r, cy), (cx + r, cy)], fill=fg, width=w * 2)
        d.line([(cx, cy - r), (cx, cy + r)], fill=fg, width=w * 2)
    elif kind in ("h-stripes", "v-stripes"):
        period = rng.uniform(0.18, 0.26) * s
        for k in range(-1, int(s / period) + 2):
            off = k * period + rng.uniform(-0.05, 0.05) * period
            box = [0, off, s, off + period / 2] if kind == "h-stripes" else [off, 0, off + period / 2, s]
            d.rectangle(box, fill=fg)
    image = image.resize((size, size), Image.BILINEAR)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 8, (size, size, 3))
    return Image.fromarray(np.clip(np.asarray(image, dtype=np.float32) + noise, 0, 255).astype(np.uint8))


def synthetic(args) -> None:
    rng = random.Random(args.seed)
    if not 2 <= args.classes <= len(SYNTHETIC_CLASSES):
        raise ScriptError(f"--classes must be between 2 and {len(SYNTHETIC_CLASSES)}")
    classes = SYNTHETIC_CLASSES[: args.classes]
    per_class = args.per_class if args.per_class > 0 else 40
    entries = [
        (f"{c}/{c}-{i:04d}.png", png_bytes(draw_shape(c, args.size, rng))) for c in classes for i in range(per_class)
    ]
    write_zip(args.output, entries)
    log(f"wrote {args.output}: {len(entries)} images, {len(classes)} classes, {args.size} px")
    if args.test_output:
        tests = [
            (f"{c}/test-{c}-{i:04d}.png", png_bytes(draw_shape(c, args.size, rng)))
            for c in classes
            for i in range(per_class // 4 or 1)
        ]
        write_zip(args.test_output, tests)
    if args.pool_dir and args.pool_count:
        kinds = [classes[i % len(classes)] for i in range(args.pool_count)]
        write_pool(args.pool_dir, [draw_shape(k, args.size, rng) for k in kinds], kinds, args.pool_labels)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=["fashion", "synthetic"])
    p.add_argument("--output", required=True, help="the ImageFolder zip to write")
    p.add_argument("--test-output", default=None, help="also write a test zip (fashion: the official t10k split)")
    p.add_argument("--source", default="/usr/share/datasets/fashion-mnist", help="folder of the IDX .gz files")
    p.add_argument("--size", type=int, default=28, help="image side in pixels (Fashion-MNIST is 28)")
    p.add_argument("--per-class", type=int, default=0, help="labelled images per class (0 = all; synthetic: 40)")
    p.add_argument("--pool-dir", default=None, help="folder for the unlabelled pool (held out of the zip)")
    p.add_argument("--pool-count", type=int, default=0, help="images in the pool")
    p.add_argument(
        "--pool-labels", default=None, help="JSON file with the pool's true labels (for simulated labelling)"
    )
    p.add_argument("--classes", type=int, default=4, help="synthetic: number of classes (2..6)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.size < 8:
        raise ScriptError("--size must be at least 8 pixels")
    (fashion if args.kind == "fashion" else synthetic)(args)


if __name__ == "__main__":
    run_main(main)
