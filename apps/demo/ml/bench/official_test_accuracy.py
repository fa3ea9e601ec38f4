"""Test accuracy of a trained model on the official 10,000-image Fashion-MNIST test split (t10k).

The demo pipeline's own test split is held out of its training subset (official train images); this scores the
model the way published Fashion-MNIST figures are. Prints one JSON line: {"test_accuracy", "test_images", ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model-dir", required=True, help="folder holding model.tar.gz (or the extracted model)")
    p.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--size", default="28")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        test_zip = os.path.join(scratch, "test.zip")
        subprocess.run(
            [
                sys.executable,
                "make_dataset.py",
                "fashion",
                "--source",
                args.source,
                "--size",
                args.size,
                "--per-class",
                "1",
                "--output",
                os.path.join(scratch, "unused.zip"),
                "--test-output",
                test_zip,
            ],
            cwd=HERE,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with zipfile.ZipFile(test_zip) as z:
            z.extractall(os.path.join(scratch, "test"))
        subprocess.run(
            [
                sys.executable,
                "evaluate.py",
                "--model-dir",
                args.model_dir,
                "--test-dir",
                os.path.join(scratch, "test"),
                "--output-dir",
                os.path.join(scratch, "eval"),
                "--skip",
                "drift,explanation,robustness",
                "--bootstrap",
                "0",
            ],
            cwd=HERE,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with open(os.path.join(scratch, "eval", "evaluation", "evaluation.json")) as f:
            report = json.load(f)
    print(
        json.dumps(
            {
                "test_accuracy": report["multiclass_classification_metrics"]["accuracy"]["value"],
                "test_images": report["test_images"],
                "model_version": report.get("model_version"),
            }
        )
    )


if __name__ == "__main__":
    main()
