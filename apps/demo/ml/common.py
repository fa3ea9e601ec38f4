"""Helpers shared by the job scripts: SageMaker environment, image folders, transforms, logging."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from PIL import Image

# torch is imported inside the functions that need it: the data scripts (make_dataset, preprocess) start in a
# fraction of the time without it.

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "code"))

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


class ScriptError(Exception):
    """A problem with a script's input that the caller can fix; printed without a traceback."""


def log(message: str) -> None:
    print(message, flush=True)


def env_path(name: str) -> str | None:
    """A path from a SageMaker variable (SM_MODEL_DIR, SM_CHANNEL_TRAIN, ...), or None outside SageMaker."""
    value = os.environ.get(name)
    return value or None


def hyperparameter_defaults() -> dict[str, Any]:
    """SM_HPS as a dict with argparse-style keys, so scripts also work when only the environment is set."""
    raw = os.environ.get("SM_HPS")
    if not raw:
        return {}
    try:
        hps = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ScriptError(f"SM_HPS is not valid JSON: {e}") from e
    return {str(k).replace("-", "_"): v for k, v in hps.items()}


def parse_with_sm_defaults(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line values win; then SM_HPS; then the parser's defaults."""
    known = {}
    for action in parser._actions:
        known[action.dest] = action
        for option in action.option_strings:  # aliases such as --learning-rate for --lr
            known[option.lstrip("-").replace("-", "_")] = action
    defaults = {}
    for key, value in hyperparameter_defaults().items():
        action = known.get(key)
        if action is None:
            continue
        if action.type is not None and isinstance(value, str):
            value = action.type(value)
        defaults[action.dest] = value
    parser.set_defaults(**defaults)
    return parser.parse_args(argv)


def require_dir(path: str | None, what: str, flag: str) -> str:
    if not path:
        raise ScriptError(f"no {what} given: pass {flag} (or run inside SageMaker where the SM_* variable sets it)")
    if not os.path.isdir(path):
        raise ScriptError(f"{what} {path} is not a folder ({flag})")
    return path


def is_image_name(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS) and not os.path.basename(name).startswith(".")


def list_image_folder(root: str) -> list[tuple[str, str]]:
    """(path, label) for every image in an ImageFolder layout (root/<label>/.../<image>), sorted."""
    items = []
    for label in sorted(os.listdir(root)):
        class_dir = os.path.join(root, label)
        if not os.path.isdir(class_dir) or label.startswith("."):
            continue
        for dirpath, _dirs, files in os.walk(class_dir):
            for name in sorted(files):
                if is_image_name(name):
                    items.append((os.path.join(dirpath, name), label))
    return items


def read_classes(folder: str) -> list[str]:
    path = os.path.join(folder, "classes.json")
    if os.path.isfile(path):
        with open(path) as f:
            return list(json.load(f))
    return sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)) and not d.startswith("."))


def decode_rgb(data: bytes, size: int | None) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    image = image.convert("RGB")
    if size and image.size != (size, size):
        image = image.resize((size, size), Image.BILINEAR)
    return image


def load_split(folder: str, classes: list[str], size: int):
    """Decodes a whole ImageFolder split into memory: uint8 images (N, 3, size, size) and int64 labels.

    The data sets here are small (Fashion-MNIST at 28 px is 140 MB as uint8), and decoding once instead of every
    epoch keeps a small CPU busy with the model rather than with PNG decoding.
    """
    import torch

    index = {c: i for i, c in enumerate(classes)}
    items = [(path, label) for path, label in list_image_folder(folder) if label in index]
    unknown = sorted({label for _, label in list_image_folder(folder)} - set(index))
    if unknown:
        log(f"warning: {folder} has folders outside the class list, ignored: {', '.join(unknown)}")
    if not items:
        raise ScriptError(f"{folder} holds no images of the classes {classes}")
    images = np.empty((len(items), size, size, 3), dtype=np.uint8)
    for i, (path, _label) in enumerate(items):
        with open(path, "rb") as f:
            images[i] = np.asarray(decode_rgb(f.read(), size))
    labels = torch.tensor([index[label] for _, label in items], dtype=torch.int64)
    return torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(), labels


class TensorImages:
    """In-memory uint8 images with a per-sample torchvision v2 transform (a map-style data set for DataLoader)."""

    def __init__(self, images, labels, transform=None):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        x = self.images[i]
        if self.transform is not None:
            x = self.transform(x)
        return x, self.labels[i]


def train_transform(size: int, augment: str):
    """Augmentation on uint8 image tensors (torchvision transforms v2); normalisation happens in the model."""
    from torchvision.transforms import v2

    if augment == "none":
        return None
    if augment not in ("light", "full"):
        raise ScriptError(f"unknown augmentation '{augment}' (expected none, light or full)")
    steps: list[Any] = [
        v2.RandomCrop(size, padding=max(1, size // 8), padding_mode="reflect"),
        v2.RandomHorizontalFlip(),
    ]
    if augment == "full":
        steps.append(v2.RandomErasing(p=0.25, scale=(0.02, 0.2), value=0))
    return v2.Compose(steps)


def write_json(path: str, data: Any) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)


def run_main(main, argv: Iterable[str] | None = None) -> None:
    try:
        main(argv)
    except ScriptError as e:
        print(f"error: {e}", file=sys.stderr, flush=True)
        sys.exit(2)
