import json
import os
import re
import subprocess
import sys
import time

import torch
from conftest import ML_DIR, TINY_TRAIN, job_dirs, run_script, script_env

# What a SageMaker metric definition would use.
METRIC = re.compile(
    r"epoch=(\d+) train_loss=([0-9.]+) train_accuracy=([0-9.]+) val_loss=([0-9.]+) val_accuracy=([0-9.]+)"
)


def test_train_writes_the_model_folder_and_parseable_metrics(trained):
    model_dir, output, stdout = trained
    for name in (
        "model.pth",
        "model_config.json",
        "classes.json",
        "code/inference.py",
        "code/modeling.py",
        "code/requirements.txt",
    ):
        assert (model_dir / name).is_file(), name
    config = json.loads((model_dir / "model_config.json").read_text())
    assert config["classes"] == ["circle", "cross", "square", "triangle"]
    assert config["model_version"] == "test-model-1" and config["image_size"] == 16
    epochs = [m.groups() for m in METRIC.finditer(stdout)]
    assert [int(e[0]) for e in epochs] == [1, 2, 3, 4, 5, 6]
    metrics = json.loads((output / "metrics.json").read_text())
    assert abs(metrics["best_val_accuracy"] - max(float(e[4]) for e in epochs)) < 1e-4
    # A tiny net on an easy set, a few seconds of training: it must learn (4 classes: chance is 0.25).
    assert metrics["best_val_accuracy"] >= 0.45


def test_tensorboard_has_scalars_and_a_confusion_matrix_image_per_epoch(trained):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    _, output, _ = trained
    acc = EventAccumulator(str(output / "tensorboard"), size_guidance={"images": 0})
    acc.Reload()
    assert "val_accuracy" in acc.Tags()["scalars"]
    images = acc.Images("confusion_matrix")
    assert [i.step for i in images] == [1, 2, 3, 4, 5, 6]
    assert images[0].encoded_image_string.startswith(b"\x89PNG")


def test_train_reads_paths_and_hyperparameters_from_sagemaker_variables(tmp_path, splits):
    data, _ = splits
    env = script_env()
    env.update(
        {
            "SM_CHANNEL_TRAIN": str(data / "train"),
            "SM_CHANNEL_VALIDATION": str(data / "validation"),
            "SM_MODEL_DIR": str(tmp_path / "model"),
            "SM_OUTPUT_DATA_DIR": str(tmp_path / "out"),
            "SM_HPS": json.dumps({"epochs": 1, "width": 0.125, "batch-size": 32, "threads": 1, "learning-rate": 0.002}),
            "TRAINING_JOB_NAME": "job-from-env",
        }
    )
    proc = run_script("train.py", env=env)
    assert "epoch=1 " in proc.stdout and "epoch=2 " not in proc.stdout
    assert json.loads((tmp_path / "model" / "model_config.json").read_text())["model_version"] == "job-from-env"
    hyperparameters = json.loads((tmp_path / "out" / "metrics.json").read_text())["hyperparameters"]
    assert hyperparameters["lr"] == 0.002 and hyperparameters["batch_size"] == 32  # an alias and a dashed name


def test_train_runs_with_fewer_steps_than_the_one_cycle_schedule_needs(tmp_path, splits):
    # 5 steps in all: the one-cycle warm-up would be empty (it divided by zero before); a constant rate is used.
    data, _ = splits
    proc = run_script(
        "train.py",
        *job_dirs(data, tmp_path, output_data="out"),
        "--epochs",
        "1",
        "--max-steps-per-epoch",
        "5",
        *TINY_TRAIN,
    )
    assert "epoch=1 " in proc.stdout
    assert (tmp_path / "model" / "model.pth").is_file()


def test_train_resumes_from_its_checkpoint_after_an_interruption(tmp_path, splits):
    data, _ = splits
    EPOCHS = 6  # noqa: N806 - enough that the kill always lands mid-run
    ckpt = tmp_path / "checkpoints"
    args = [
        sys.executable,
        os.path.join(ML_DIR, "train.py"),
        *TINY_TRAIN,
        "--epochs",
        str(EPOCHS),
        *job_dirs(data, tmp_path, checkpoints="checkpoints"),
    ]
    # Like a spot interruption: the job is killed once the first epoch's checkpoint is on disk.
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=script_env(), cwd=ML_DIR
    )
    first = ""
    for line in proc.stdout:
        first += line
        if line.startswith("epoch=1 "):
            break
    deadline = time.time() + 60
    while not (ckpt / "checkpoint.pt").exists() and time.time() < deadline:
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    assert "epoch=1 " in first and (ckpt / "checkpoint.pt").exists()
    # On a busy machine the kill can land a few epochs later than the first checkpoint; what matters is that
    # the run resumes right after whichever epoch the last good checkpoint holds.
    done = torch.load(ckpt / "checkpoint.pt", map_location="cpu", weights_only=False)["epoch"]
    assert 1 <= done < EPOCHS, f"the run was not interrupted (checkpoint after epoch {done} of {EPOCHS})"
    assert not (tmp_path / "model" / "model.pth").exists()

    resumed = run_script("train.py", *args[2:])
    assert "resumed from" in resumed.stdout and f"after epoch {done}" in resumed.stdout
    trained = [int(m.group(1)) for m in METRIC.finditer(resumed.stdout)]
    assert trained == list(range(done + 1, EPOCHS + 1))
    assert (tmp_path / "model" / "model.pth").is_file()
    assert len(json.loads((tmp_path / "model" / "model_config.json").read_text())["classes"]) == 4

    # A checkpoint of another configuration is refused, not silently mixed in.
    other = list(args[2:])
    other[other.index("--epochs") + 1] = str(EPOCHS + 1)
    refused = run_script("train.py", *other, check=False)
    assert refused.returncode == 2 and "written by a different run" in refused.stderr


def test_train_ddp_with_two_cpu_processes_under_torchrun(tmp_path, splits):
    data, _ = splits
    env = script_env()
    env.update({"OMP_NUM_THREADS": "1"})
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        os.path.join(ML_DIR, "train.py"),
        *TINY_TRAIN,
        "--epochs",
        "2",
        *job_dirs(data, tmp_path, checkpoints="ckpt"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=240, cwd=ML_DIR)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "processes=2" in proc.stdout
    # Only rank 0 logs metrics.
    assert [int(m.group(1)) for m in METRIC.finditer(proc.stdout)] == [1, 2]
    assert (tmp_path / "model" / "model.pth").is_file() and (tmp_path / "ckpt" / "checkpoint.pt").is_file()


def test_train_explains_bad_input(tmp_path):
    proc = run_script(
        "train.py",
        "--model-dir",
        str(tmp_path / "m"),
        "--train-dir",
        str(tmp_path / "missing"),
        "--validation-dir",
        str(tmp_path),
        check=False,
    )
    assert proc.returncode == 2 and "training data" in proc.stderr and "--train-dir" in proc.stderr
