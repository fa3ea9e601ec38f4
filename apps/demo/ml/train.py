"""Training job: a timm ResNet trained from scratch on an ImageFolder train / validation split.

Runs unchanged on SageMaker (hyperparameters as `--name value`, paths from SM_* variables), under local mode, and
under `torchrun` for DDP (NCCL on GPU, gloo on CPU). Metric lines look like
`epoch=3 train_loss=0.4100 train_accuracy=0.8512 val_loss=0.3900 val_accuracy=0.8700 images_per_sec=812.4`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import common
import numpy as np
import torch
import torch.distributed as dist
from common import ScriptError, log
from modeling import ModelConfig, Normalized, build_model, save_model_folder
from torch import nn

# The fewest optimizer steps for which the one-cycle schedule has a non-empty warm-up phase (pct_start 0.2).
MIN_ONE_CYCLE_STEPS = 10

CHECKPOINT_FILE = "checkpoint.pt"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="resnet18", help="resnet18, resnet26 or resnet34 (timm)")
    p.add_argument("--width", type=float, default=1.0, help="channel width multiplier (1.0 = the stock ResNet)")
    p.add_argument("--optimizer", default="SGD", help="SGD (Nesterov momentum 0.9), Adam or AdamW")
    p.add_argument("--lr", "--learning-rate", dest="lr", type=float, default=0.05)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128, help="global batch, split over DDP processes")
    p.add_argument("--stem", default="small", help="small (3x3 stride 1), small-s2 (3x3 stride 2) or imagenet")
    p.add_argument("--threads", type=int, default=0, help="CPU threads per process (0 = cores / local processes)")
    p.add_argument("--image-size", type=int, default=0, help="0 = the size of the first training image")
    p.add_argument("--augment", default="light", help="none, light (crop + flip) or full (+ random erasing)")
    p.add_argument("--workers", type=int, default=-1, help="data loader workers (-1 = 0 on CPU, 4 on GPU)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--log-every", type=int, default=0, help="print a progress line every N steps (0 = per epoch only)")
    p.add_argument("--pretrained-path", default=None, help="local weights to start from (never downloaded)")
    p.add_argument("--model-version", default=None, help="stored in the model; default: the training job name")
    p.add_argument("--max-steps-per-epoch", type=int, default=0, help="0 = whole epoch (for smoke tests)")
    p.add_argument("--train-dir", default=common.env_path("SM_CHANNEL_TRAIN"))
    p.add_argument("--validation-dir", default=common.env_path("SM_CHANNEL_VALIDATION"))
    p.add_argument("--model-dir", default=common.env_path("SM_MODEL_DIR"))
    p.add_argument("--output-data-dir", default=common.env_path("SM_OUTPUT_DATA_DIR"))
    p.add_argument(
        "--checkpoint-dir",
        default=None,
        help="resume from / save to this folder (SageMaker CheckpointConfig.LocalPath)",
    )
    p.add_argument("--tensorboard-dir", default=None, help="default: <output-data-dir>/tensorboard")
    return p


@dataclass
class DistInfo:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup_distributed() -> DistInfo:
    """Joins the process group when launched by torchrun (or SageMaker's MPI launcher), else runs alone."""
    env = os.environ
    if "OMPI_COMM_WORLD_RANK" in env and "RANK" not in env:
        env["RANK"], env["WORLD_SIZE"] = env["OMPI_COMM_WORLD_RANK"], env["OMPI_COMM_WORLD_SIZE"]
        env["LOCAL_RANK"] = env.get("OMPI_COMM_WORLD_LOCAL_RANK", "0")
        env.setdefault("MASTER_ADDR", json.loads(env.get("SM_HOSTS", '["localhost"]'))[0])
        env.setdefault("MASTER_PORT", "29500")
    world_size = int(env.get("WORLD_SIZE", "1"))
    rank, local_rank = int(env.get("RANK", "0")), int(env.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        device = torch.device("cpu")
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return DistInfo(rank, world_size, local_rank, device)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def make_optimizer(name: str, params, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    key = name.lower()
    if key == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)
    if key == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if key == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    raise ScriptError(f"unknown optimizer '{name}' (expected SGD, Adam or AdamW)")


def amp_context(device: torch.device):
    """bfloat16 autocast on GPUs that have it, float16 (with a GradScaler) on older ones, nothing on CPU."""
    if device.type != "cuda":
        return contextlib.nullcontext(), None
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    return torch.autocast("cuda", dtype=dtype), scaler


def to_model_input(x: torch.Tensor, device: torch.device) -> torch.Tensor:
    """uint8 batch -> float [0, 1] on the device, channels-last (faster convolutions with oneDNN and cuDNN).

    Converting after the transfer moves a quarter of the bytes; normalisation happens inside the model (Normalized).
    """
    x = x.to(device, non_blocking=True).float().div_(255)
    return x.contiguous(memory_format=torch.channels_last)


def train_one_epoch(
    model, loader, optimizer, scheduler, criterion, device, amp, scaler, max_steps: int = 0, log_every: int = 0
):
    """One pass over the loader; returns (mean loss, accuracy, images seen, seconds). The loop the benchmark times."""
    model.train()
    loss_sum = torch.zeros((), device=device)
    correct = torch.zeros((), device=device, dtype=torch.int64)
    seen = 0
    start = time.perf_counter()
    for step, (x, y) in enumerate(loader):
        if max_steps and step >= max_steps:
            break
        x = to_model_input(x, device)
        y = y.to(device, non_blocking=True)
        with amp:
            logits = model(x)
            loss = criterion(logits, y)
        optimizer.zero_grad(set_to_none=True)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        if scheduler is not None:
            scheduler.step()
        # Accumulate on the device: a .item() per step would force a sync on GPU.
        loss_sum += loss.detach() * y.size(0)
        correct += (logits.detach().argmax(1) == y).sum()
        seen += y.size(0)
        if log_every and (step + 1) % log_every == 0:
            log(f"progress step={step + 1}/{len(loader)} images_per_sec={seen / (time.perf_counter() - start):.1f}")
    seconds = time.perf_counter() - start
    return (loss_sum / max(seen, 1)).item(), correct.item() / max(seen, 1), seen, seconds


@torch.no_grad()
def evaluate(model, loader, criterion, device, amp, num_classes: int):
    """(summed loss, images, confusion matrix [true, predicted]) over the loader."""
    model.eval()
    loss_sum, seen = 0.0, 0
    confusion = torch.zeros(num_classes, num_classes, dtype=torch.int64)
    for x, y in loader:
        x, y = to_model_input(x, device), y.to(device, non_blocking=True)
        with amp:
            logits = model(x)
        loss_sum += criterion(logits.float(), y).item() * y.size(0)
        seen += y.size(0)
        pred = logits.argmax(1)
        confusion += torch.bincount((y * num_classes + pred).cpu(), minlength=num_classes**2).view(
            num_classes, num_classes
        )
    return loss_sum, seen, confusion


def confusion_figure(confusion: np.ndarray, classes: list[str], title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(classes)
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * n, 1.0 + 0.6 * n), dpi=80)
    ax.imshow(confusion, cmap="Blues")
    ax.set_xticks(range(n), classes, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(n), classes, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    for i in range(n):
        for j in range(n):
            ax.text(
                j,
                i,
                int(confusion[i, j]),
                ha="center",
                va="center",
                fontsize=6,
                color="white" if confusion[i, j] > confusion.max() / 2 else "black",
            )
    fig.tight_layout()
    return fig


def load_pretrained(model: nn.Module, path: str) -> None:
    """Loads local weights, keeping layers whose shape differs (stem, head) at their fresh initialisation."""
    if not os.path.isfile(path):
        raise ScriptError(f"--pretrained-path {path} is not a file (pretrained weights are never downloaded)")
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file

        state = load_file(path)
    else:
        state = torch.load(path, map_location="cpu", weights_only=True)
        state = state.get("state_dict", state) if isinstance(state, dict) else state
    own = model.state_dict()
    usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    skipped = sorted(set(state) - set(usable))
    model.load_state_dict(usable, strict=False)
    log(f"pretrained: loaded {len(usable)} tensors from {path}; kept fresh: {', '.join(skipped) or 'none'}")


@dataclass
class FitResult:
    best_val_accuracy: float
    best_epoch: int
    history: list[dict[str, Any]]
    model: nn.Module
    config: ModelConfig
    best_state: dict[str, torch.Tensor]


def fit(
    args,
    train_data,
    val_data,
    classes: list[str],
    info: DistInfo,
    on_epoch: Callable[[int, float], None] | None = None,
    model_version: str = "unversioned",
) -> FitResult:
    """Trains and validates; resumes from args.checkpoint_dir. Used by train.py's main and by tune.py's trials."""
    seed_everything(args.seed)
    image_size = train_data[0].shape[-1]
    config = ModelConfig(
        architecture=args.model,
        classes=classes,
        image_size=image_size,
        width=args.width,
        stem=args.stem,
        model_version=model_version,
    )
    try:
        model = build_model(config)
    except ValueError as e:
        raise ScriptError(str(e)) from e
    if args.pretrained_path:
        load_pretrained(model, args.pretrained_path)
    model = model.to(info.device, memory_format=torch.channels_last)
    net: nn.Module = Normalized(model, config.mean, config.std).to(info.device)
    plain = net
    if info.world_size > 1:
        net = nn.parallel.DistributedDataParallel(
            net, device_ids=[info.local_rank] if info.device.type == "cuda" else None
        )

    if args.batch_size % info.world_size:
        raise ScriptError(f"--batch-size {args.batch_size} is not divisible by the {info.world_size} DDP processes")
    per_process_batch = args.batch_size // info.world_size
    workers = args.workers if args.workers >= 0 else (4 if info.device.type == "cuda" else 0)
    train_set = common.TensorImages(*train_data, common.train_transform(image_size, args.augment))
    # Each process validates its own shard; the confusion matrices are summed.
    val_idx = torch.arange(info.rank, len(val_data[1]), info.world_size)
    val_set = common.TensorImages(val_data[0][val_idx], val_data[1][val_idx])
    sampler = torch.utils.data.DistributedSampler(
        train_set, info.world_size, info.rank, shuffle=True, seed=args.seed, drop_last=True
    )
    pin = info.device.type == "cuda"
    train_loader = torch.utils.data.DataLoader(
        train_set,
        batch_size=per_process_batch,
        sampler=sampler,
        drop_last=True,
        num_workers=workers,
        pin_memory=pin,
        persistent_workers=workers > 0,
    )
    val_loader = torch.utils.data.DataLoader(
        val_set, batch_size=max(per_process_batch, 256), num_workers=workers, pin_memory=pin
    )
    steps_per_epoch = (
        len(train_loader) if not args.max_steps_per_epoch else min(len(train_loader), args.max_steps_per_epoch)
    )
    if steps_per_epoch == 0:
        raise ScriptError(f"the training split ({len(train_set)} images) is smaller than one batch ({args.batch_size})")

    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr, args.weight_decay)
    total_steps = args.epochs * steps_per_epoch
    if total_steps >= MIN_ONE_CYCLE_STEPS:
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch, pct_start=0.2
        )
    else:
        # OneCycleLR's warm-up phase ends at pct_start * total - 1; below ~10 steps that phase is empty and the
        # scheduler divides by zero, so a run this short (a smoke test, a tiny demo) trains at a constant rate.
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _step: 1.0)
    criterion = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    amp, scaler = amp_context(info.device)

    start_epoch, history = 1, []
    best = {"accuracy": -1.0, "epoch": 0, "state": None}
    fingerprint = {
        "model": args.model,
        "width": args.width,
        "stem": args.stem,
        "classes": classes,
        "image_size": image_size,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "world_size": info.world_size,
    }
    ckpt_path = os.path.join(args.checkpoint_dir, CHECKPOINT_FILE) if args.checkpoint_dir else None
    if ckpt_path and os.path.isfile(ckpt_path):
        ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        if ckpt["fingerprint"] != fingerprint:
            raise ScriptError(
                f"checkpoint {ckpt_path} was written by a different run ({ckpt['fingerprint']} vs "
                f"{fingerprint}); empty the checkpoint folder to start over"
            )
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        if scaler is not None and ckpt.get("scaler"):
            scaler.load_state_dict(ckpt["scaler"])
        start_epoch, history, best = ckpt["epoch"] + 1, ckpt["history"], ckpt["best"]
        torch.set_rng_state(ckpt["rng"])
        if info.is_main:
            log(f"resumed from {ckpt_path} after epoch {ckpt['epoch']}")

    writer = None
    if info.is_main and args.tensorboard_dir:
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(args.tensorboard_dir)

    for epoch in range(start_epoch, args.epochs + 1):
        sampler.set_epoch(epoch)
        train_loss, train_acc, seen, seconds = train_one_epoch(
            net,
            train_loader,
            optimizer,
            scheduler,
            criterion,
            info.device,
            amp,
            scaler,
            args.max_steps_per_epoch,
            args.log_every if info.is_main else 0,
        )
        val_loss_sum, val_seen, confusion = evaluate(plain, val_loader, criterion, info.device, amp, len(classes))
        if info.world_size > 1:
            totals = torch.tensor([val_loss_sum, float(val_seen), train_loss * seen, float(seen), train_acc * seen])
            dist.all_reduce(totals)
            dist.all_reduce(confusion)
            val_loss_sum, val_seen = totals[0].item(), int(totals[1].item())
            train_loss, train_acc = totals[2].item() / totals[3].item(), totals[4].item() / totals[3].item()
            seen = int(totals[3].item())
        val_loss = val_loss_sum / max(val_seen, 1)
        val_acc = confusion.diag().sum().item() / max(val_seen, 1)
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            "train_accuracy": train_acc,
            "val_loss": val_loss,
            "val_accuracy": val_acc,
            "images_per_sec": seen / seconds,
            "lr": scheduler.get_last_lr()[0],
        }
        history.append(row)
        if val_acc > best["accuracy"]:
            best = {
                "accuracy": val_acc,
                "epoch": epoch,
                "state": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
            }
        if info.is_main:
            log(
                f"epoch={epoch} train_loss={train_loss:.4f} train_accuracy={train_acc:.4f} val_loss={val_loss:.4f} "
                f"val_accuracy={val_acc:.4f} images_per_sec={row['images_per_sec']:.1f} lr={row['lr']:.6f}"
            )
            if writer is not None:
                for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "images_per_sec", "lr"):
                    writer.add_scalar(key, row[key], epoch)
                writer.add_figure(
                    "confusion_matrix",
                    confusion_figure(confusion.numpy(), classes, f"validation, epoch {epoch}"),
                    epoch,
                )
                writer.flush()
            if ckpt_path:
                os.makedirs(args.checkpoint_dir, exist_ok=True)
                state = {
                    "fingerprint": fingerprint,
                    "epoch": epoch,
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "scaler": scaler.state_dict() if scaler is not None else None,
                    "history": history,
                    "best": best,
                    "rng": torch.get_rng_state(),
                }
                # Written to a temporary name then renamed: a spot interruption mid-write leaves the last good one.
                torch.save(state, ckpt_path + ".tmp")
                os.replace(ckpt_path + ".tmp", ckpt_path)
        if on_epoch is not None:
            on_epoch(epoch, val_acc)
    if writer is not None:
        writer.close()
    if best["state"] is None:
        raise ScriptError(
            f"nothing to train: the checkpoint already covers all {args.epochs} epochs and holds no model"
        )
    return FitResult(best["accuracy"], best["epoch"], history, model, config, best["state"])


def load_train_val(args) -> tuple[list[str], tuple, tuple]:
    train_dir = common.require_dir(args.train_dir, "training data", "--train-dir")
    val_dir = common.require_dir(args.validation_dir, "validation data", "--validation-dir")
    classes = common.read_classes(train_dir)
    if len(classes) < 2:
        raise ScriptError(
            f"{train_dir} has {len(classes)} class folder(s); an ImageFolder layout with at least 2 is needed"
        )
    size = args.image_size or _first_image_size(train_dir)
    return classes, common.load_split(train_dir, classes, size), common.load_split(val_dir, classes, size)


def _first_image_size(folder: str) -> int:
    from PIL import Image

    items = common.list_image_folder(folder)
    if not items:
        raise ScriptError(f"{folder} holds no images")
    with Image.open(items[0][0]) as im:
        return max(im.size)


def copy_inference_code(model_dir: str) -> None:
    """The PyTorch inference container runs model.tar.gz's code/inference.py.

    It also pip-installs code/requirements.txt.
    """
    source = os.path.join(common.HERE, "code")
    target = os.path.join(model_dir, "code")
    os.makedirs(target, exist_ok=True)
    for name in ("inference.py", "modeling.py", "requirements.txt"):
        shutil.copy2(os.path.join(source, name), os.path.join(target, name))


def main(argv=None) -> None:
    args = common.parse_with_sm_defaults(build_parser(), argv)
    if not args.model_dir:
        raise ScriptError("no model folder: pass --model-dir (SageMaker sets SM_MODEL_DIR)")
    if args.tensorboard_dir is None and args.output_data_dir:
        args.tensorboard_dir = os.path.join(args.output_data_dir, "tensorboard")
    info = setup_distributed()
    local_processes = max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // local_processes))
    try:
        classes, train_data, val_data = load_train_val(args)
        version = args.model_version or os.environ.get("TRAINING_JOB_NAME") or time.strftime("local-%Y%m%d-%H%M%S")
        if info.is_main:
            log(
                f"data: {len(train_data[1])} training and {len(val_data[1])} validation images, "
                f"{len(classes)} classes, {train_data[0].shape[-1]} px; "
                f"device={info.device} processes={info.world_size}"
            )
        result = fit(args, train_data, val_data, classes, info, model_version=version)
        if info.is_main:
            result.model.load_state_dict(result.best_state)
            save_model_folder(args.model_dir, result.model, result.config)
            copy_inference_code(args.model_dir)
            summary = {
                "best_val_accuracy": result.best_val_accuracy,
                "best_epoch": result.best_epoch,
                "history": result.history,
                "hyperparameters": vars(args),
            }
            if args.output_data_dir:
                common.write_json(os.path.join(args.output_data_dir, "metrics.json"), summary)
            log(f"best_val_accuracy={result.best_val_accuracy:.4f} best_epoch={result.best_epoch}")
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


if __name__ == "__main__":
    common.run_main(main)
