"""Processing job: merges the raw ImageFolder zip with the annotated images, cleans and splits them.

- raw data: a zip (or a folder holding one zip) in ImageFolder layout; an image's label is its parent folder's name;
- annotated images: <annotated-dir>/<label>/... (the lake's `annotated/` prefix);
- exact duplicates (same bytes, by SHA-256) are removed, unreadable images dropped and reported, labels outside
  the known class list reported and left out;
- a stratified train / validation / test split with a fixed seed (or a fixed test set from --test-data);
- every image is written as an RGB PNG of one size, so training sees uniform inputs.
Outputs: <train>/<label>/<sha>.png, <validation>/..., <test>/... (each with classes.json) and <report>/report.json.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import json
import os
import random
import zipfile
from dataclasses import dataclass

import common
from common import ScriptError, log
from PIL import Image


@dataclass
class Item:
    source: str  # where it came from, for the report
    label: str
    data: bytes
    digest: str
    origin: str  # raw | annotated | test


def find_zip(path: str, flag: str) -> str:
    if os.path.isfile(path):
        return path
    if os.path.isdir(path):
        zips = sorted(f for f in os.listdir(path) if f.lower().endswith(".zip"))
        if len(zips) == 1:
            return os.path.join(path, zips[0])
        raise ScriptError(f"{flag} {path} is a folder with {len(zips)} zip files; expected exactly one")
    raise ScriptError(f"{flag} {path} does not exist")


def read_zip(path: str, origin: str) -> list[Item]:
    items = []
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise ScriptError(f"{path} is not a zip file: {e}") from e
    with archive:
        for info in archive.infolist():
            name = info.filename
            parts = [p for p in name.split("/") if p]
            if info.is_dir() or "__MACOSX" in parts or not common.is_image_name(name):
                continue
            if len(parts) < 2:
                raise ScriptError(f"{path}: '{name}' is not inside a class folder (expected <class>/<image> entries)")
            data = archive.read(info)
            items.append(
                Item(f"{os.path.basename(path)}:{name}", parts[-2], data, hashlib.sha256(data).hexdigest(), origin)
            )
    return items


def read_annotated(root: str) -> list[Item]:
    if os.path.isdir(os.path.join(root, "annotated")):
        root = os.path.join(root, "annotated")
    items = []
    for path, label in common.list_image_folder(root):
        with open(path, "rb") as f:
            data = f.read()
        items.append(Item(os.path.relpath(path, root), label, data, hashlib.sha256(data).hexdigest(), "annotated"))
    return items


def decodable(item: Item, size: int | None) -> tuple[Image.Image | None, str | None]:
    try:
        return common.decode_rgb(item.data, size), None
    except Exception as e:  # PIL raises many types for broken files
        return None, f"{type(e).__name__}: {e}"


def image_size_of(items: list[Item]) -> int:
    """The most common side length among the first images that decode (the raw set's native size)."""
    sizes = collections.Counter()
    for item in items[:200]:
        try:
            with Image.open(io.BytesIO(item.data)) as im:
                sizes[max(im.size)] += 1
        except Exception:
            continue
    if not sizes:
        raise ScriptError("none of the first 200 raw images decode; is the zip an image data set?")
    return sizes.most_common(1)[0][0]


def stratified_split(by_label: dict[str, list[Item]], val_fraction: float, test_fraction: float, seed: int):
    rng = random.Random(seed)
    splits = {"train": [], "validation": [], "test": []}
    for label in sorted(by_label):
        items = sorted(by_label[label], key=lambda it: it.digest)  # order independent of input order
        rng.shuffle(items)
        n = len(items)
        n_test = round(n * test_fraction)
        n_val = round(n * val_fraction)
        if n >= 3:  # every split gets each class when there are enough images
            n_test = max(n_test, 1) if test_fraction > 0 else 0
            n_val = max(n_val, 1) if val_fraction > 0 else 0
        splits["test"] += items[:n_test]
        splits["validation"] += items[n_test : n_test + n_val]
        splits["train"] += items[n_test + n_val :]
    return splits


def count(items: list[Item], classes: list[str]) -> dict[str, int]:
    c = collections.Counter(it.label for it in items)
    return {label: c.get(label, 0) for label in classes}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--raw", required=True, help="the raw ImageFolder zip, or a folder holding exactly one")
    p.add_argument("--annotated-dir", default=None, help="annotated images as <label>/<image> (optional, may be empty)")
    p.add_argument("--test-data", default=None, help="a fixed test set (zip); then --test-fraction is ignored")
    p.add_argument("--classes", default=None, help="comma-separated known classes (default: the raw zip's folders)")
    p.add_argument("--output-dir", default=None, help="base folder for the four outputs below")
    p.add_argument("--train-output", default=None)
    p.add_argument("--validation-output", default=None)
    p.add_argument("--test-output", default=None)
    p.add_argument("--report-output", default=None)
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--test-fraction", type=float, default=0.1)
    p.add_argument("--image-size", type=int, default=0, help="0 = the raw images' most common size")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    outputs = {}
    for split in ("train", "validation", "test", "report"):
        path = getattr(args, f"{split}_output") or (os.path.join(args.output_dir, split) if args.output_dir else None)
        if not path:
            raise ScriptError(f"no folder for the {split} output: pass --{split}-output or --output-dir")
        outputs[split] = path
    if not 0 <= args.val_fraction < 1 or not 0 <= args.test_fraction < 1 or args.val_fraction + args.test_fraction >= 1:
        raise ScriptError("--val-fraction and --test-fraction must be in [0, 1) and sum to less than 1")

    raw = read_zip(find_zip(args.raw, "--raw"), "raw")
    if not raw:
        raise ScriptError(f"{args.raw} holds no images")
    classes = (
        [c.strip() for c in args.classes.split(",") if c.strip()] if args.classes else sorted({it.label for it in raw})
    )
    annotated = []
    if args.annotated_dir:
        if not os.path.isdir(args.annotated_dir):
            raise ScriptError(f"--annotated-dir {args.annotated_dir} is not a folder")
        annotated = read_annotated(args.annotated_dir)
    test_items = read_zip(find_zip(args.test_data, "--test-data"), "test") if args.test_data else []
    size = args.image_size or image_size_of(raw)

    known = set(classes)
    unknown = collections.Counter(it.label for it in raw + annotated + test_items if it.label not in known)
    unreadable, duplicates, conflicts = [], 0, []
    kept: dict[str, Item] = {}
    decoded: dict[str, Image.Image] = {}
    # The fixed test set goes first so that a training image identical to a test image is the one dropped.
    for item in test_items + raw + annotated:
        if item.label not in known:
            continue
        if item.digest in kept:
            duplicates += 1
            if kept[item.digest].label != item.label:
                conflicts.append(
                    {
                        "image": item.source,
                        "label": item.label,
                        "kept": kept[item.digest].source,
                        "kept_label": kept[item.digest].label,
                    }
                )
            continue
        image, error = decodable(item, size)
        if image is None:
            unreadable.append({"image": item.source, "error": error})
            continue
        kept[item.digest] = item
        decoded[item.digest] = image

    pool = [it for it in kept.values() if it.origin != "test"]
    without = count([it for it in pool if it.origin == "raw"], classes)
    with_annotations = count(pool, classes)
    by_label = collections.defaultdict(list)
    for it in pool:
        by_label[it.label].append(it)
    splits = stratified_split(by_label, args.val_fraction, 0.0 if test_items else args.test_fraction, args.seed)
    if test_items:
        splits["test"] = [it for it in kept.values() if it.origin == "test"]

    for split in ("train", "validation", "test"):
        folder = outputs[split]
        for label in classes:
            os.makedirs(os.path.join(folder, label), exist_ok=True)
        for it in splits[split]:
            decoded[it.digest].save(os.path.join(folder, it.label, f"{it.digest[:20]}.png"), format="PNG")
        with open(os.path.join(folder, "classes.json"), "w") as f:
            json.dump(classes, f)

    report = {
        "classes": classes,
        "image_size": size,
        "seed": args.seed,
        "class_counts_without_annotations": without,
        "class_counts_with_annotations": with_annotations,
        "annotated_images_added": sum(1 for it in pool if it.origin == "annotated"),
        "split_counts": {s: count(splits[s], classes) for s in ("train", "validation", "test")},
        "duplicates_removed": duplicates,
        "duplicate_label_conflicts": conflicts,
        "unreadable_images": unreadable,
        "unknown_labels": dict(sorted(unknown.items())),
    }
    common.write_json(os.path.join(outputs["report"], "report.json"), report)
    log(f"class counts without annotations: {json.dumps(without)}")
    log(f"class counts with annotations:    {json.dumps(with_annotations)}")
    for s in ("train", "validation", "test"):
        log(f"{s}: {len(splits[s])} images")
    log(f"duplicates removed: {duplicates}; unreadable: {len(unreadable)}; label conflicts: {len(conflicts)}")
    for entry in unreadable:
        log(f"unreadable: {entry['image']} ({entry['error']})")
    for label, n in sorted(unknown.items()):
        log(f"unknown label '{label}' ({n} images) left out; known classes: {', '.join(classes)}")
    for s in ("train", "validation"):
        empty = [c for c, n in report["split_counts"][s].items() if n == 0]
        if empty:
            log(f"warning: the {s} split has no images of {', '.join(empty)}")


if __name__ == "__main__":
    common.run_main(main)
