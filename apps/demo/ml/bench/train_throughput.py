"""Images per second of train.py's training loop against a plain PyTorch loop: same model, batch, data and loader.

Rounds alternate (ours, reference, ours, ...) so that load from other processes hits both alike; the medians are
compared. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402
import train  # noqa: E402
from modeling import ModelConfig, Normalized, build_model  # noqa: E402


def reference_epoch(net, loader, optimizer, steps: int) -> tuple[int, float]:
    """The textbook loop."""
    net.train()
    seen = 0
    start = time.perf_counter()
    for step, (x, y) in enumerate(loader):
        if step >= steps:
            break
        x = x.float() / 255
        loss = F.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += y.size(0)
    return seen, time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Defaults: the model, batch and threads of the fashion-accuracy full-quality configuration.
    p.add_argument("--images", type=int, default=8192)
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--steps", type=int, default=16, help="steps per round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--model", default="resnet18")
    p.add_argument("--width", type=float, default=0.25)
    p.add_argument("--stem", default="small")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    images = torch.randint(0, 256, (args.images, 3, args.size, args.size), dtype=torch.uint8)
    labels = torch.randint(0, 10, (args.images,))
    config = ModelConfig(args.model, [str(i) for i in range(10)], args.size, width=args.width, stem=args.stem)
    model = build_model(config).to(memory_format=torch.channels_last)
    ours_net = Normalized(model, config.mean, config.std)
    ref_net = copy.deepcopy(ours_net)
    dataset = common.TensorImages(images, labels, common.train_transform(args.size, "light"))
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True, drop_last=True)
    if len(loader) < args.steps:
        raise SystemExit(f"--images {args.images} gives fewer than --steps {args.steps} batches")
    ours_opt = train.make_optimizer("SGD", ours_net.parameters(), 0.05, 5e-4)
    ref_opt = train.make_optimizer("SGD", ref_net.parameters(), 0.05, 5e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(ours_opt, max_lr=0.05, total_steps=args.steps * (args.rounds + 1))
    criterion = torch.nn.CrossEntropyLoss()
    amp, scaler = train.amp_context(torch.device("cpu"))

    # One warm-up round each (allocator, oneDNN primitive caches), not timed.
    train.train_one_epoch(
        ours_net, loader, ours_opt, scheduler, criterion, torch.device("cpu"), amp, scaler, args.steps
    )
    reference_epoch(ref_net, loader, ref_opt, args.steps)
    ours, ref = [], []
    for _ in range(args.rounds):
        _, _, seen, seconds = train.train_one_epoch(
            ours_net, loader, ours_opt, scheduler, criterion, torch.device("cpu"), amp, scaler, args.steps
        )
        ours.append(seen / seconds)
        seen, seconds = reference_epoch(ref_net, loader, ref_opt, args.steps)
        ref.append(seen / seconds)
    result = {
        "ours_images_per_sec": round(statistics.median(ours), 1),
        "reference_images_per_sec": round(statistics.median(ref), 1),
        "ours_rounds": [round(v, 1) for v in ours],
        "reference_rounds": [round(v, 1) for v in ref],
        "model": f"{args.model} width={args.width} stem={args.stem}",
        "image_size": args.size,
        "batch_size": args.batch_size,
        "steps_per_round": args.steps,
        "threads": args.threads,
    }
    result["ratio"] = round(result["ours_images_per_sec"] / result["reference_images_per_sec"], 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
