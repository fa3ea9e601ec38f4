"""Fixtures: a tiny generated data set, its preprocessed splits and a model trained on them, built once per session.

Every script runs as its own process, as it would in a SageMaker job.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

ML_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY_TRAIN = [
    "--model",
    "resnet18",
    "--width",
    "0.125",
    "--optimizer",
    "Adam",
    "--lr",
    "0.003",
    "--batch-size",
    "32",
    "--threads",
    "1",
    "--seed",
    "1",
]


def script_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONWARNINGS"] = "ignore"
    for key in [k for k in env if k.startswith("SM_")]:
        del env[key]
    return env


def run_script(script: str, *args: str, env: dict[str, str] | None = None, check: bool = True, timeout: int = 240):
    proc = subprocess.run(
        [sys.executable, os.path.join(ML_DIR, script), *args],
        capture_output=True,
        text=True,
        env=env or script_env(),
        timeout=timeout,
        cwd=ML_DIR,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{script} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def job_dirs(data, out, *, checkpoints: str | None = None, output_data: str | None = None) -> list[str]:
    """The folder arguments of a train/tune run: the two channels from `data`, the model (and optional checkpoint and
    output-data) folders under `out` - what SageMaker passes through SM_CHANNEL_*, SM_MODEL_DIR and friends."""
    args = ["--train-dir", str(data / "train"), "--validation-dir", str(data / "validation")]
    args += ["--model-dir", str(out / "model")]
    if checkpoints is not None:
        args += ["--checkpoint-dir", str(out / checkpoints)]
    if output_data is not None:
        args += ["--output-data-dir", str(out / output_data)]
    return args


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("ml")


@pytest.fixture(scope="session")
def raw_zip(work):
    path = work / "raw.zip"
    run_script(
        "make_dataset.py",
        "synthetic",
        "--output",
        str(path),
        "--size",
        "16",
        "--per-class",
        "60",
        "--classes",
        "4",
        "--seed",
        "3",
        "--pool-dir",
        str(work / "pool"),
        "--pool-count",
        "6",
    )
    return path


@pytest.fixture(scope="session")
def annotated_dir(work, raw_zip):
    """The lake's annotated/ prefix: one new image, one exact duplicate of a raw image, one broken file and one
    image under a label that is not a known class."""
    root = work / "lake" / "annotated"
    with zipfile.ZipFile(raw_zip) as z:
        names = [n for n in z.namelist() if n.endswith(".png")]
        circle = next(n for n in names if n.startswith("circle/"))
        duplicate = z.read(circle)
    from PIL import Image

    (root / "circle").mkdir(parents=True)
    (root / "square").mkdir()
    (root / "hexagon").mkdir()
    (root / "circle" / "dup.png").write_bytes(duplicate)
    (root / "square" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buf, format="JPEG")
    (root / "square" / "new.jpg").write_bytes(buf.getvalue())
    (root / "hexagon" / "h.png").write_bytes(duplicate[:-1] + b"\x00")
    return root


@pytest.fixture(scope="session")
def splits(work, raw_zip, annotated_dir):
    out = work / "data"
    proc = run_script(
        "preprocess.py",
        "--raw",
        str(raw_zip),
        "--annotated-dir",
        str(annotated_dir.parent),
        "--output-dir",
        str(out),
        "--seed",
        "7",
    )
    return out, proc.stdout


@pytest.fixture(scope="session")
def trained(work, splits):
    data, _ = splits
    model_dir, output = work / "model", work / "train-output"
    proc = run_script(
        "train.py",
        *TINY_TRAIN,
        "--epochs",
        "6",
        "--train-dir",
        str(data / "train"),
        "--validation-dir",
        str(data / "validation"),
        "--model-dir",
        str(model_dir),
        "--output-data-dir",
        str(output),
        "--model-version",
        "test-model-1",
    )
    return model_dir, output, proc.stdout


@pytest.fixture(scope="session")
def evaluated(work, splits, trained):
    data, _ = splits
    model_dir, _, _ = trained
    # Evaluate from model.tar.gz, as the pipeline hands it over.
    packed = work / "packed-model"
    packed.mkdir()
    shutil.make_archive(str(packed / "model"), "gztar", root_dir=model_dir)
    out = work / "eval"
    proc = run_script(
        "evaluate.py",
        "--model-dir",
        str(packed),
        "--test-dir",
        str(data / "test"),
        "--validation-dir",
        str(data / "validation"),
        "--output-dir",
        str(out),
        "--seed",
        "0",
        "--drift-samples",
        "48",
        "--robustness-samples",
        "24",
        "--pgd-steps",
        "3",
        "--bootstrap",
        "50",
    )
    return out, proc.stdout
