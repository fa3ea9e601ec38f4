"""Model construction and the model folder's format, shared by training, evaluation and the endpoint.

This module ships inside model.tar.gz (next to inference.py), so it depends only on torch, torchvision and timm.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import nn

ARCHITECTURES = ("resnet18", "resnet26", "resnet34")
STEMS = ("small", "small-s2", "imagenet")
CONFIG_FILE = "model_config.json"
WEIGHTS_FILE = "model.pth"
CLASSES_FILE = "classes.json"


@dataclass
class ModelConfig:
    """Everything needed to rebuild the network and preprocess an input the way training did."""

    architecture: str
    classes: list[str]
    image_size: int
    width: float = 1.0
    stem: str = "small"
    mean: list[float] = field(default_factory=lambda: [0.5, 0.5, 0.5])
    std: list[float] = field(default_factory=lambda: [0.5, 0.5, 0.5])
    model_version: str = "unversioned"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> ModelConfig:
        known = {k: v for k, v in data.items() if k in ModelConfig.__dataclass_fields__}
        missing = [k for k in ("architecture", "classes", "image_size") if k not in known]
        if missing:
            raise ValueError(f"{CONFIG_FILE} lacks {', '.join(missing)}")
        return ModelConfig(**known)


def build_model(config: ModelConfig) -> nn.Module:
    """A timm ResNet, randomly initialised, optionally narrowed and with a stem suited to small images.

    The ImageNet stem (7x7 stride-2 conv + max-pool) shrinks a 28 px Fashion-MNIST image to 7x7 before the first
    residual stage and to 1x1 at the last one, which throws away most of the spatial detail. stem="small" (the
    CIFAR-style 3x3 stride-1 conv, no pool) keeps 28 -> 28/14/7/4 through the four stages; stem="small-s2" (3x3
    stride-2 conv, no pool) runs the stages at 14/7/4/2 for a quarter of the compute, which is what a small CPU can
    afford. Both are far cheaper than upsampling the input to the 112+ px the ImageNet stem wants.
    """
    import timm

    if config.architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture '{config.architecture}' (expected one of {', '.join(ARCHITECTURES)})")
    if not 0 < config.width <= 4:
        raise ValueError(f"width must be in (0, 4], got {config.width}")
    kwargs: dict[str, Any] = {}
    if config.width != 1.0:
        channels = tuple(max(8, int(round(c * config.width))) for c in (64, 128, 256, 512))
        kwargs["channels"] = channels
        kwargs["stem_width"] = channels[0]
    model = timm.create_model(config.architecture, pretrained=False, num_classes=len(config.classes), **kwargs)
    if config.stem not in STEMS:
        raise ValueError(f"unknown stem '{config.stem}' (expected one of {', '.join(STEMS)})")
    if config.stem != "imagenet":
        stem_out = model.conv1.out_channels
        stride = 1 if config.stem == "small" else 2
        model.conv1 = nn.Conv2d(3, stem_out, kernel_size=3, stride=stride, padding=1, bias=False)
        model.maxpool = nn.Identity()
    return model


class Normalized(nn.Module):
    """Wraps a network so it takes images in [0, 1]: attacks and attributions then work in pixel space."""

    def __init__(self, model: nn.Module, mean: list[float], std: list[float]):
        super().__init__()
        self.model = model
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model((x - self.mean) / self.std)


def penultimate_features(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The pooled features the classifier head sees (timm models expose forward_features / forward_head)."""
    return model.forward_head(model.forward_features(x), pre_logits=True)


def last_conv_layer(model: nn.Module) -> nn.Module:
    """The layer Grad-CAM explains: the last residual stage."""
    return model.layer4


def save_model_folder(model_dir: str, model: nn.Module, config: ModelConfig) -> None:
    os.makedirs(model_dir, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save(state, os.path.join(model_dir, WEIGHTS_FILE))
    with open(os.path.join(model_dir, CONFIG_FILE), "w") as f:
        json.dump(config.to_json(), f, indent=2)
    with open(os.path.join(model_dir, CLASSES_FILE), "w") as f:
        json.dump(config.classes, f)


def load_model_folder(model_dir: str, device: str | torch.device = "cpu") -> tuple[nn.Module, ModelConfig]:
    config_path = os.path.join(model_dir, CONFIG_FILE)
    weights_path = os.path.join(model_dir, WEIGHTS_FILE)
    for path in (config_path, weights_path):
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"model folder {model_dir} lacks {os.path.basename(path)} (was it written by train.py?)"
            )
    with open(config_path) as f:
        config = ModelConfig.from_json(json.load(f))
    model = build_model(config)
    model.load_state_dict(torch.load(weights_path, map_location="cpu", weights_only=True))
    return model.to(device).eval(), config


def grad_cam(model: nn.Module, images: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Grad-CAM heatmaps in [0, 1], one per image, at the input's resolution.

    Implemented with hooks (not Captum) so the endpoint needs nothing beyond torch.
    """
    layer = last_conv_layer(model)
    saved: dict[str, torch.Tensor] = {}

    def keep(_module: nn.Module, _inputs: Any, output: torch.Tensor) -> None:
        output.retain_grad()
        saved["activation"] = output

    handle = layer.register_forward_hook(keep)
    try:
        with torch.enable_grad():
            x = images.detach().requires_grad_(True)
            logits = model(x)
            picked = logits.gather(1, target.view(-1, 1)).sum()
            picked.backward()
    finally:
        handle.remove()
    activation = saved["activation"]
    weights = activation.grad.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * activation).sum(dim=1, keepdim=True))
    cam = nn.functional.interpolate(cam, size=images.shape[-2:], mode="bilinear", align_corners=False)
    flat = cam.flatten(1)
    lo, hi = flat.min(dim=1, keepdim=True).values, flat.max(dim=1, keepdim=True).values
    cam = ((flat - lo) / (hi - lo).clamp_min(1e-8)).view_as(cam)
    return cam[:, 0].detach()
