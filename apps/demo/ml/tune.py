"""Tuning job (a SageMaker training job): an Optuna study over model, optimizer and learning rate.

Search space (as the seed): model in {resnet18, resnet26, resnet34}, optimizer in {Adam, SGD}, learning rate
log-uniform in [1e-4, 1e-2]. Each trial trains with train.py's loop and reports its validation accuracy per epoch to
a median pruner. The study lives in resumable storage: a SQLite file (default: in the checkpoint folder, so a spot
restart continues it) or an RDB URL shared by several workers. Writes best.json
{"model", "optimizer", "lr", "val_accuracy", ...} to the model folder and the output-data folder.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import common
import optuna
import torch
import train
from common import ScriptError, log

MODELS = ["resnet18", "resnet26", "resnet34"]
OPTIMIZERS = ["Adam", "SGD"]


def build_parser() -> argparse.ArgumentParser:
    p = train.build_parser()
    p.description = __doc__.splitlines()[0]
    p.add_argument("--n-trials", type=int, default=12, help="total trials of the study (finished ones count)")
    p.add_argument("--storage", default=None, help="optuna storage URL; default sqlite:///<checkpoint-dir>/optuna.db")
    p.add_argument("--study-name", default="image-classifier")
    p.add_argument("--models", default=",".join(MODELS), help="comma-separated subset of the model choices")
    p.add_argument("--optimizers", default=",".join(OPTIMIZERS), help="comma-separated subset of the optimizer choices")
    p.add_argument("--lr-min", type=float, default=1e-4)
    p.add_argument("--lr-max", type=float, default=1e-2)
    return p


def main(argv=None) -> None:
    args = common.parse_with_sm_defaults(build_parser(), argv)
    if not args.model_dir:
        raise ScriptError("no model folder: pass --model-dir (SageMaker sets SM_MODEL_DIR)")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    bad = [m for m in models if m not in MODELS]
    if bad or not models:
        raise ScriptError(f"--models {args.models}: choose from {', '.join(MODELS)}")
    optimizers = [o.strip() for o in args.optimizers.split(",") if o.strip()]
    if not optimizers or any(o not in OPTIMIZERS for o in optimizers):
        raise ScriptError(f"--optimizers {args.optimizers}: choose from {', '.join(OPTIMIZERS)}")
    storage = args.storage
    if not storage:
        folder = args.checkpoint_dir or args.output_data_dir or args.model_dir
        os.makedirs(folder, exist_ok=True)
        storage = f"sqlite:///{os.path.abspath(os.path.join(folder, 'optuna.db'))}"
    torch.set_num_threads(args.threads or (os.cpu_count() or 1))
    info = train.DistInfo(0, 1, 0, torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    classes, train_data, val_data = train.load_train_val(args)
    log(f"data: {len(train_data[1])} training and {len(val_data[1])} validation images, {len(classes)} classes")

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=args.study_name,
        storage=storage,
        direction="maximize",
        load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=args.seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1),
    )
    done = [t for t in study.trials if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)]
    remaining = max(0, args.n_trials - len(done))
    log(f"study '{args.study_name}' at {storage}: {len(done)} trials done, {remaining} to run")

    def objective(trial: optuna.Trial) -> float:
        trial_args = argparse.Namespace(**vars(args))
        trial_args.model = trial.suggest_categorical("model", models)
        trial_args.optimizer = trial.suggest_categorical("optimizer", optimizers)
        trial_args.lr = trial.suggest_float("lr", args.lr_min, args.lr_max, log=True)
        trial_args.checkpoint_dir = None  # the study storage is the checkpoint; a trial restarts whole
        trial_args.tensorboard_dir = (
            os.path.join(args.output_data_dir, "tensorboard", f"trial-{trial.number}") if args.output_data_dir else None
        )

        def report(epoch: int, val_accuracy: float) -> None:
            trial.report(val_accuracy, epoch)
            if trial.should_prune():
                log(f"trial={trial.number} pruned at epoch {epoch} (val_accuracy={val_accuracy:.4f})")
                raise optuna.TrialPruned()

        start = time.time()
        result = train.fit(trial_args, train_data, val_data, classes, info, on_epoch=report)
        log(
            f"trial={trial.number} model={trial_args.model} optimizer={trial_args.optimizer} lr={trial_args.lr:.6f} "
            f"val_accuracy={result.best_val_accuracy:.4f} seconds={time.time() - start:.1f}"
        )
        return result.best_val_accuracy

    if remaining:
        study.optimize(objective, n_trials=remaining)
    completed = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not completed:
        raise ScriptError("no trial completed (all pruned or failed); raise --epochs or --n-trials")
    best = study.best_trial
    summary = {
        "model": best.params["model"],
        "optimizer": best.params["optimizer"],
        "lr": best.params["lr"],
        "val_accuracy": best.value,
        "trial": best.number,
        "trials_completed": len(completed),
        "trials_pruned": sum(1 for t in study.trials if t.state == optuna.trial.TrialState.PRUNED),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "width": args.width,
        "stem": args.stem,
    }
    for folder in filter(None, (args.model_dir, args.output_data_dir)):
        common.write_json(os.path.join(folder, "best.json"), summary)
    log(
        f"best_val_accuracy={best.value:.4f} model={summary['model']} "
        f"optimizer={summary['optimizer']} lr={summary['lr']:.6f}"
    )
    log(json.dumps(summary))


if __name__ == "__main__":
    common.run_main(main)
