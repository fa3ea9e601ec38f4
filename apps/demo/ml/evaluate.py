"""Processing job: evaluates a trained model on the test split.

Writes
- <evaluation>/evaluation.json: SageMaker model-quality layout (multiclass_classification_metrics.accuracy.value, ...)
  plus per-class precision / recall / F1;
- <drift>/dd_unpert.json and dd_pert.json: Alibi Detect MMD drift (PyTorch backend) on the model's penultimate
  features, reference = validation split, against the test split unperturbed and perturbed;
- <explanation>/*.png + explanation.md: Captum attributions for a few test images per class;
- <robustness>/*.png + robustness.md: accuracy under FGSM / PGD and natural perturbations (Captum).
"""

from __future__ import annotations

import argparse
import math
import os
import tarfile
import tempfile
import time

import common
import numpy as np
import torch
from common import ScriptError, log
from modeling import Normalized, load_model_folder, penultimate_features

PARTS = ("evaluation", "drift", "explanation", "robustness")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model-dir", required=True, help="folder holding model.tar.gz, or the extracted model folder")
    p.add_argument("--test-dir", required=True, help="test split (ImageFolder)")
    p.add_argument("--validation-dir", default=None, help="validation split: the drift reference")
    p.add_argument("--output-dir", default=None, help="base folder for the four outputs below")
    for part in PARTS:
        p.add_argument(f"--{part}-output", default=None)
    p.add_argument("--skip", default="", help="comma-separated parts to skip: drift, explanation, robustness")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--drift-samples", type=int, default=500, help="images per side of each drift test")
    p.add_argument("--drift-p-value", type=float, default=0.05)
    p.add_argument("--drift-permutations", type=int, default=100)
    p.add_argument("--explain-per-class", type=int, default=1)
    p.add_argument("--robustness-samples", type=int, default=500)
    p.add_argument("--epsilons", default="0.01,0.03,0.1", help="attack sizes in pixel units ([0, 1] images)")
    p.add_argument("--pgd-steps", type=int, default=10)
    p.add_argument("--bootstrap", type=int, default=200, help="resamples for the metrics' standard deviation")
    return p


def extract_model(model_dir: str, scratch: str) -> str:
    if not os.path.isdir(model_dir):
        raise ScriptError(f"--model-dir {model_dir} is not a folder")
    archive = os.path.join(model_dir, "model.tar.gz")
    if os.path.isfile(archive):
        target = os.path.join(scratch, "model")
        with tarfile.open(archive) as tar:
            try:
                tar.extractall(target, filter="data")  # refuses absolute paths and links out of the folder
            except TypeError:  # Python before 3.11.4 has no filter argument
                tar.extractall(target)
        return target
    return model_dir


@torch.no_grad()
def predict(net, images: torch.Tensor, batch: int = 512):
    """Softmax probabilities and penultimate features for uint8 images; net takes [0, 1] pixels."""
    probs, feats = [], []
    for i in range(0, len(images), batch):
        x = images[i : i + batch].float().div(255)
        f = penultimate_features(net.model, (x - net.mean) / net.std)
        feats.append(f)
        probs.append(torch.softmax(net.model.get_classifier()(f), dim=1))
    return torch.cat(probs), torch.cat(feats)


# ---------------------------------------------------------------- metrics


def fbeta(precision: np.ndarray, recall: np.ndarray, beta: float) -> np.ndarray:
    b2 = beta * beta
    denom = b2 * precision + recall
    return np.where(denom > 0, (1 + b2) * precision * recall / np.where(denom > 0, denom, 1), 0.0)


def summary_metrics(y: np.ndarray, pred: np.ndarray, n: int) -> dict[str, float]:
    confusion = np.bincount(y * n + pred, minlength=n * n).reshape(n, n)
    support = confusion.sum(1)
    predicted = confusion.sum(0)
    tp = np.diag(confusion)
    precision = np.where(predicted > 0, tp / np.maximum(predicted, 1), 0.0)
    recall = np.where(support > 0, tp / np.maximum(support, 1), 0.0)
    weights = support / max(support.sum(), 1)
    out = {
        "accuracy": tp.sum() / max(len(y), 1),
        "weighted_precision": float((precision * weights).sum()),
        "weighted_recall": float((recall * weights).sum()),
    }
    for name, beta in (("weighted_f0_5", 0.5), ("weighted_f1", 1.0), ("weighted_f2", 2.0)):
        out[name] = float((fbeta(precision, recall, beta) * weights).sum())
    return out


def evaluation_report(y: np.ndarray, pred: np.ndarray, classes: list[str], bootstrap: int, seed: int) -> dict:
    """The SageMaker model-quality multiclass layout: {metric: {value, standard_deviation}} + confusion_matrix."""
    n = len(classes)
    point = summary_metrics(y, pred, n)
    rng = np.random.default_rng(seed)
    samples = {k: [] for k in point}
    for _ in range(bootstrap):
        idx = rng.integers(0, len(y), len(y))
        for k, v in summary_metrics(y[idx], pred[idx], n).items():
            samples[k].append(v)
    majority = np.bincount(y, minlength=n).argmax()
    constant = summary_metrics(y, np.full_like(y, majority), n)
    metrics = {}
    for k, v in point.items():
        metrics[k] = {"value": float(v), "standard_deviation": float(np.std(samples[k])) if bootstrap else 0.0}
    for k, v in constant.items():
        metrics[f"{k}_best_constant_classifier"] = {"value": float(v), "standard_deviation": 0.0}
    confusion = np.bincount(y * n + pred, minlength=n * n).reshape(n, n)
    metrics["confusion_matrix"] = {classes[i]: {classes[j]: int(confusion[i, j]) for j in range(n)} for i in range(n)}
    tp = np.diag(confusion)
    per_class = {}
    for i, c in enumerate(classes):
        p = tp[i] / confusion[:, i].sum() if confusion[:, i].sum() else 0.0
        r = tp[i] / confusion[i].sum() if confusion[i].sum() else 0.0
        per_class[c] = {
            "precision": float(p),
            "recall": float(r),
            "f1": float(2 * p * r / (p + r)) if p + r else 0.0,
            "support": int(confusion[i].sum()),
        }
    return {"multiclass_classification_metrics": metrics, "per_class_metrics": per_class, "test_images": int(len(y))}


# ---------------------------------------------------------------- perturbations (pixel space, [0, 1])


def gaussian_noise(x: torch.Tensor, std: float = 0.1) -> torch.Tensor:
    return (x + torch.randn_like(x) * std).clamp(0, 1)


def blur(x: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    from torchvision.transforms.v2 import functional as TF

    k = max(3, int(2 * math.ceil(2 * sigma) + 1))
    return TF.gaussian_blur(x, [k, k], [sigma, sigma])


def rotate(x: torch.Tensor, degrees: float = 15.0) -> torch.Tensor:
    from torchvision.transforms.v2 import functional as TF

    return TF.rotate(x, degrees)


def brightness(x: torch.Tensor, factor: float = 1.5) -> torch.Tensor:
    return (x * factor).clamp(0, 1)


def drift_perturbation(x: torch.Tensor) -> torch.Tensor:
    """The 'perturbed' test set: noise, blur and a brightness change together (a camera/lighting shift)."""
    return gaussian_noise(brightness(blur(x, 1.0), 1.4), 0.08)


# ---------------------------------------------------------------- drift


def run_drift(net, val_images, test_images, args, out_dir: str) -> dict:
    from alibi_detect.cd import MMDDrift

    gen = torch.Generator().manual_seed(args.seed)
    n = args.drift_samples

    def sample(images):
        idx = torch.randperm(len(images), generator=gen)[:n]
        return images[idx]

    ref = sample(val_images)
    test = sample(test_images)
    torch.manual_seed(args.seed)
    perturbed = (drift_perturbation(test.float().div(255)) * 255).round().to(torch.uint8)
    _, ref_f = predict(net, ref)
    _, test_f = predict(net, test)
    _, pert_f = predict(net, perturbed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    detector = MMDDrift(
        ref_f.numpy(), backend="pytorch", p_val=args.drift_p_value, n_permutations=args.drift_permutations, device="cpu"
    )
    results = {}
    for name, feats, desc in (
        ("dd_unpert", test_f, "test split, unperturbed"),
        ("dd_pert", pert_f, "test split with blur (sigma 1), brightness x1.4 and gaussian noise (std 0.08)"),
    ):
        np.random.seed(args.seed)
        torch.manual_seed(args.seed)
        data = detector.predict(feats.numpy(), return_p_val=True, return_distance=True)["data"]
        record = {
            "is_drift": bool(data["is_drift"]),
            "p_val": float(data["p_val"]),
            "threshold": float(data["threshold"]),
            "distance": float(data["distance"]),
            "distance_threshold": float(data["distance_threshold"]),
            "detector": "MMDDrift (alibi-detect 0.11.4, pytorch backend) on penultimate features",
            "reference": f"validation split, {len(ref)} images",
            "test": f"{desc}, {len(feats)} images",
            "seed": args.seed,
        }
        common.write_json(os.path.join(out_dir, f"{name}.json"), record)
        results[name] = record
        log(
            f"drift {name}: is_drift={record['is_drift']} p_val={record['p_val']:.4f} distance={record['distance']:.5f}"
        )
    return results


# ---------------------------------------------------------------- pictures


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def to_hwc(x: torch.Tensor) -> np.ndarray:
    return x.detach().permute(1, 2, 0).clamp(0, 1).cpu().numpy()


def attribution_map(a: torch.Tensor) -> np.ndarray:
    """Channel-summed absolute attribution, scaled to [0, 1] per image."""
    m = a.detach().abs().sum(0).cpu().numpy()
    hi = np.percentile(m, 99) if m.max() > 0 else 1.0
    return np.clip(m / (hi or 1.0), 0, 1)


def save_attribution_grid(
    path: str, title: str, images: torch.Tensor, attributions: torch.Tensor, captions: list[str]
) -> None:
    plt = _plt()
    n = len(images)
    fig, axes = plt.subplots(2, n, figsize=(1.3 * n + 0.4, 3.0), dpi=100, squeeze=False)
    for i in range(n):
        axes[0, i].imshow(to_hwc(images[i]))
        axes[0, i].set_title(captions[i], fontsize=6)
        axes[1, i].imshow(to_hwc(images[i]).mean(2), cmap="gray", alpha=0.5)
        axes[1, i].imshow(attribution_map(attributions[i]), cmap="inferno", alpha=0.7)
        for row in (0, 1):
            axes[row, i].axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# ---------------------------------------------------------------- explanation


def run_explanation(net, images, labels, classes, args, out_dir: str) -> list[tuple[str, str, str]]:
    from captum.attr import (
        GradientShap,
        IntegratedGradients,
        LayerAttribution,
        LayerGradCam,
        NoiseTunnel,
        Occlusion,
        Saliency,
    )

    picks = []
    for c in range(len(classes)):
        picks += torch.nonzero(labels == c).flatten()[: args.explain_per_class].tolist()
    x = images[picks].float().div(255)
    y = labels[picks]
    with torch.no_grad():
        pred = net(x).argmax(1)
    captions = [f"{classes[int(t)]}\npred: {classes[int(p)]}" for t, p in zip(y, pred, strict=True)]
    size = x.shape[-1]
    window = max(2, size // 4)
    torch.manual_seed(args.seed)
    baselines = torch.cat([torch.zeros_like(x[:1]), torch.rand_like(x[:1]) * 0.2])
    methods = [
        (
            "integrated_gradients",
            "Integrated Gradients (SmoothGrad noise tunnel)",
            "path integral of the gradients from a black image to the input, averaged over noisy copies",
            lambda: NoiseTunnel(IntegratedGradients(net)).attribute(
                x, target=pred, nt_type="smoothgrad", nt_samples=4, stdevs=0.1, n_steps=16, internal_batch_size=256
            ),
        ),
        (
            "saliency",
            "Saliency (SmoothGrad noise tunnel)",
            "absolute input gradient, averaged over noisy copies",
            lambda: NoiseTunnel(Saliency(net)).attribute(
                x, target=pred, nt_type="smoothgrad", nt_samples=8, stdevs=0.1, abs=True
            ),
        ),
        (
            "gradient_shap",
            "GradientShap",
            "expected gradients against black and random baselines",
            lambda: GradientShap(net).attribute(x, baselines=baselines, target=pred, n_samples=16, stdevs=0.05),
        ),
        (
            "occlusion",
            "Occlusion",
            f"drop in the predicted class's score when a {window}x{window} patch is blanked",
            lambda: Occlusion(net).attribute(
                x,
                target=pred,
                sliding_window_shapes=(3, window, window),
                strides=(3, max(1, window // 2), max(1, window // 2)),
                baselines=0.0,
                perturbations_per_eval=64,
            ),
        ),
        (
            "grad_cam",
            "Grad-CAM (last residual stage)",
            "class-weighted activations of the last residual stage",
            lambda: LayerAttribution.interpolate(
                LayerGradCam(net, net.model.layer4).attribute(x, target=pred, relu_attributions=True),
                (size, size),
                interpolate_mode="bilinear",
            ).expand(-1, 3, -1, -1),
        ),
    ]
    written = []
    for key, title, description, compute in methods:
        start = time.perf_counter()
        attributions = compute()
        file = f"{key}.png"
        save_attribution_grid(os.path.join(out_dir, file), title, x, attributions, captions)
        written.append((title, description, file))
        log(f"explanation {key}: {time.perf_counter() - start:.1f}s")
    lines = [
        "# Model explanation",
        "",
        f"Attributions for {len(picks)} test images ({args.explain_per_class} per class), computed with Captum for "
        "the predicted class. Top row: the image with its true and predicted label; bottom row: the attribution "
        "(brighter = more influence on the prediction).",
        "",
    ]
    for title, description, file in written:
        lines += [f"## {title}", "", f"{description.capitalize()}.", "", f"![{title}]({file})", ""]
    with open(os.path.join(out_dir, "explanation.md"), "w") as f:
        f.write("\n".join(lines))
    return written


# ---------------------------------------------------------------- robustness


def run_robustness(net, images, labels, classes, args, out_dir: str) -> dict[str, float]:
    from captum.robust import FGSM, PGD, AttackComparator

    gen = torch.Generator().manual_seed(args.seed)
    idx = torch.randperm(len(labels), generator=gen)[: args.robustness_samples]
    x = images[idx].float().div(255)
    y = labels[idx]
    try:
        epsilons = [float(e) for e in args.epsilons.split(",") if e.strip()]
    except ValueError:
        raise ScriptError(f"--epsilons must be comma-separated numbers, got '{args.epsilons}'") from None

    def accuracy(batch: torch.Tensor) -> float:
        with torch.no_grad():
            return float((net(batch).argmax(1) == y).float().mean())

    results = {"clean": accuracy(x)}
    examples = {"clean": x[:6]}
    fgsm = FGSM(net, lower_bound=0.0, upper_bound=1.0)
    pgd = PGD(net, lower_bound=0.0, upper_bound=1.0)
    for eps in epsilons:
        adv = fgsm.perturb(x, epsilon=eps, target=y)
        results[f"FGSM eps={eps:g}"] = accuracy(adv)
        examples[f"FGSM eps={eps:g}"] = adv[:6].detach()
        # Step size 2.5 * radius / steps (Madry et al.): the iterates can reach the whole L-inf ball.
        adv = pgd.perturb(x, radius=eps, step_size=2.5 * eps / args.pgd_steps, step_num=args.pgd_steps, target=y)
        results[f"PGD eps={eps:g} ({args.pgd_steps} steps)"] = accuracy(adv)
        examples[f"PGD eps={eps:g}"] = adv[:6].detach()

    def metric(model_out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (model_out.argmax(1) == target).float().mean()

    natural = {
        "gaussian noise (std 0.1)": gaussian_noise,
        "blur (sigma 1)": blur,
        "rotation (15 degrees)": rotate,
        "brightness (x1.5)": brightness,
    }
    torch.manual_seed(args.seed)
    comparator = AttackComparator(forward_func=net, metric=metric)
    for name, fn in natural.items():
        comparator.add_attack(fn, name=name, num_attempts=3 if name.startswith("gaussian") else 1)
    summary = comparator.evaluate(x, target=y)
    for name, fn in natural.items():
        value = summary[name]
        results[name] = float(value["mean"] if isinstance(value, dict) else value)
        examples[name] = fn(x[:6])
    for name, acc in results.items():
        log(f"robustness {name}: accuracy={acc:.4f}")

    plt = _plt()
    names = list(results)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1), dpi=100)
    ax.barh(names[::-1], [results[n] for n in names[::-1]], color="#3b75af")
    ax.set_xlim(0, 1)
    ax.set_xlabel("accuracy")
    ax.set_title(f"Accuracy under attack ({len(y)} test images)", fontsize=9)
    for i, n in enumerate(names[::-1]):
        ax.text(min(results[n] + 0.01, 0.9), i, f"{results[n]:.3f}", va="center", fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "accuracy_under_attack.png"))
    plt.close(fig)

    rows = list(examples)
    fig, axes = plt.subplots(len(rows), 6, figsize=(6.5, 1.15 * len(rows)), dpi=100, squeeze=False)
    for r, name in enumerate(rows):
        batch = examples[name]
        with torch.no_grad():
            pred = net(batch).argmax(1)
        for c in range(min(6, len(batch))):
            axes[r, c].imshow(to_hwc(batch[c]))
            axes[r, c].set_title(classes[int(pred[c])], fontsize=6, color="black" if pred[c] == y[c] else "red")
        for c in range(6):
            axes[r, c].axis("off")
        axes[r, 0].text(-0.1, 0.5, name, transform=axes[r, 0].transAxes, ha="right", va="center", fontsize=6)
    fig.suptitle("Examples (title = predicted class; red = wrong)", fontsize=8)
    fig.tight_layout(rect=(0.18, 0, 1, 1))
    fig.savefig(os.path.join(out_dir, "examples.png"))
    plt.close(fig)

    lines = [
        "# Model robustness",
        "",
        f"Accuracy on {len(y)} test images under adversarial attacks (Captum FGSM and PGD, L-inf radius in pixel "
        "units of [0, 1] images) and natural perturbations "
        "(Captum AttackComparator; gaussian noise averaged over 3 draws).",
        "",
        "| perturbation | accuracy | change |",
        "|---|---:|---:|",
    ]
    for name, acc in results.items():
        lines.append(f"| {name} | {acc:.4f} | {acc - results['clean']:+.4f} |")
    lines += [
        "",
        "![Accuracy under attack](accuracy_under_attack.png)",
        "",
        "## Examples",
        "",
        "![Perturbed examples](examples.png)",
        "",
    ]
    with open(os.path.join(out_dir, "robustness.md"), "w") as f:
        f.write("\n".join(lines))
    return results


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    bad = skip - set(PARTS[1:])
    if bad:
        raise ScriptError(f"--skip {', '.join(sorted(bad))}: can skip only drift, explanation, robustness")
    outputs = {}
    for part in PARTS:
        if part in skip:
            continue
        path = getattr(args, f"{part}_output") or (os.path.join(args.output_dir, part) if args.output_dir else None)
        if not path:
            raise ScriptError(f"no folder for the {part} output: pass --{part}-output or --output-dir")
        os.makedirs(path, exist_ok=True)
        outputs[part] = path
    if "drift" in outputs and not args.validation_dir:
        raise ScriptError("drift needs the validation split as its reference: pass --validation-dir (or --skip drift)")
    torch.manual_seed(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        model, config = load_model_folder(extract_model(args.model_dir, scratch))
    net = Normalized(model, config.mean, config.std).eval()
    test_dir = common.require_dir(args.test_dir, "test data", "--test-dir")
    images, labels = common.load_split(test_dir, config.classes, config.image_size)
    log(
        f"test: {len(labels)} images, {len(config.classes)} classes, "
        f"model {config.architecture} ({config.model_version})"
    )

    start = time.perf_counter()
    probs, _ = predict(net, images)
    report = evaluation_report(labels.numpy(), probs.argmax(1).numpy(), config.classes, args.bootstrap, args.seed)
    report["model_version"] = config.model_version
    common.write_json(os.path.join(outputs["evaluation"], "evaluation.json"), report)
    acc = report["multiclass_classification_metrics"]["accuracy"]["value"]
    weighted_f1 = report["multiclass_classification_metrics"]["weighted_f1"]["value"]
    log(f"test_accuracy={acc:.4f} weighted_f1={weighted_f1:.4f} ({time.perf_counter() - start:.1f}s)")
    if "drift" in outputs:
        val_images, _ = common.load_split(
            common.require_dir(args.validation_dir, "validation data", "--validation-dir"),
            config.classes,
            config.image_size,
        )
        run_drift(net, val_images, images, args, outputs["drift"])
    if "explanation" in outputs:
        run_explanation(net, images, labels, config.classes, args, outputs["explanation"])
    if "robustness" in outputs:
        run_robustness(net, images, labels, config.classes, args, outputs["robustness"])


if __name__ == "__main__":
    common.run_main(main)
