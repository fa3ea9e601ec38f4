import json

from conftest import job_dirs, run_script


def test_tune_runs_a_resumable_study_and_writes_best_json(tmp_path, splits):
    data, _ = splits
    args = [
        "--epochs",
        "2",
        "--max-steps-per-epoch",
        "3",
        "--width",
        "0.125",
        "--batch-size",
        "32",
        "--threads",
        "1",
        "--models",
        "resnet18,resnet26",
        *job_dirs(data, tmp_path, checkpoints="ckpt"),
        "--seed",
        "3",
    ]
    first = run_script("tune.py", *args, "--n-trials", "2")
    assert "0 trials done, 2 to run" in first.stdout
    best = json.loads((tmp_path / "model" / "best.json").read_text())
    assert best["model"] in ("resnet18", "resnet26") and best["optimizer"] in ("Adam", "SGD")
    assert 1e-4 <= best["lr"] <= 1e-2 and 0 <= best["val_accuracy"] <= 1
    assert (tmp_path / "ckpt" / "optuna.db").is_file()
    # A restart (a second job, or a spot restart) continues the same study instead of starting over.
    second = run_script("tune.py", *args, "--n-trials", "3")
    assert "2 trials done, 1 to run" in second.stdout
    assert (
        json.loads((tmp_path / "model" / "best.json").read_text())["trials_completed"]
        + json.loads((tmp_path / "model" / "best.json").read_text())["trials_pruned"]
        == 3
    )


def test_tune_searches_only_the_optimizers_asked_for(tmp_path, splits):
    data, _ = splits
    result = run_script(
        "tune.py",
        "--epochs",
        "1",
        "--max-steps-per-epoch",
        "2",
        "--width",
        "0.125",
        "--batch-size",
        "32",
        "--threads",
        "1",
        "--models",
        "resnet18",
        "--optimizers",
        "SGD",
        "--n-trials",
        "2",
        *job_dirs(data, tmp_path),
        "--seed",
        "3",
    )
    trials = [line for line in result.stdout.splitlines() if line.startswith("trial=")]
    assert len(trials) == 2 and all("optimizer=SGD" in line for line in trials), result.stdout
    assert "optimizer=Adam" not in result.stdout
    assert json.loads((tmp_path / "model" / "best.json").read_text())["optimizer"] == "SGD"


def test_tune_refuses_an_unknown_optimizer(tmp_path, splits):
    data, _ = splits
    result = run_script(
        "tune.py",
        "--optimizers",
        "SGD,Lion",
        *job_dirs(data, tmp_path),
        check=False,
    )
    assert result.returncode != 0 and "--optimizers SGD,Lion: choose from Adam, SGD" in result.stderr
