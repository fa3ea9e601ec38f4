import json
import os
import zipfile

import pytest
from conftest import run_script
from PIL import Image

FASHION = "/usr/share/datasets/fashion-mnist"


def test_make_dataset_fashion_builds_rgb_imagefolder_zip_and_pool(tmp_path):
    # A missing data set fails with the command that installs it, never a silent skip.
    if not os.path.isdir(FASHION):
        pytest.fail(f"{FASHION} is missing: install it with 'apt-get install dataset-fashion-mnist'")
    out, test_zip, pool, truth = tmp_path / "raw.zip", tmp_path / "test.zip", tmp_path / "pool", tmp_path / "pool.json"
    run_script(
        "make_dataset.py",
        "fashion",
        "--output",
        str(out),
        "--per-class",
        "3",
        "--size",
        "32",
        "--pool-dir",
        str(pool),
        "--pool-count",
        "12",
        "--pool-labels",
        str(truth),
        "--test-output",
        str(test_zip),
    )
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert len(names) == 30
        assert {n.split("/")[0] for n in names} == {
            "t-shirt",
            "trouser",
            "pullover",
            "dress",
            "coat",
            "sandal",
            "shirt",
            "sneaker",
            "bag",
            "ankle-boot",
        }
        with z.open(names[0]) as f:
            image = Image.open(f)
            assert image.mode == "RGB" and image.size == (32, 32)
    with zipfile.ZipFile(test_zip) as z:
        assert len(z.namelist()) == 10000
    pooled = sorted(os.listdir(pool))
    assert len(pooled) == 12
    labels = json.loads(truth.read_text())
    assert sorted(labels) == pooled and len(set(labels.values())) == 10
    # The pool is held out: none of its images is in the labelled zip.
    with zipfile.ZipFile(out) as z:
        zipped = {z.read(n) for n in names}
    assert not zipped & {(pool / p).read_bytes() for p in pooled}


def test_make_dataset_synthetic_is_deterministic(tmp_path):
    for name in ("a.zip", "b.zip"):
        run_script("make_dataset.py", "synthetic", "--output", str(tmp_path / name), "--per-class", "5", "--seed", "9")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_make_dataset_reports_missing_source(tmp_path):
    proc = run_script(
        "make_dataset.py", "fashion", "--output", str(tmp_path / "x.zip"), "--source", str(tmp_path), check=False
    )
    assert proc.returncode == 2
    assert "train-images-idx3-ubyte.gz not found" in proc.stderr


def test_preprocess_merges_dedupes_reports_and_splits(splits):
    out, stdout = splits
    report = json.loads((out / "report" / "report.json").read_text())
    assert report["classes"] == ["circle", "cross", "square", "triangle"]
    assert report["class_counts_without_annotations"] == {"circle": 60, "cross": 60, "square": 60, "triangle": 60}
    # Only the new JPEG is added: the duplicate is removed, the broken file dropped, the unknown label left out.
    assert report["class_counts_with_annotations"]["square"] == 61
    assert report["class_counts_with_annotations"]["circle"] == 60
    assert report["annotated_images_added"] == 1
    assert report["duplicates_removed"] == 1
    assert [u["image"] for u in report["unreadable_images"]] == ["square/broken.png"]
    assert report["unknown_labels"] == {"hexagon": 1}
    assert "class counts without annotations" in stdout and "class counts with annotations" in stdout
    assert "unknown label 'hexagon'" in stdout
    counts = report["split_counts"]
    assert sum(sum(c.values()) for c in counts.values()) == 241
    for split in ("train", "validation", "test"):
        assert all(n > 0 for n in counts[split].values()), f"{split} lacks a class"
        assert json.loads((out / split / "classes.json").read_text()) == report["classes"]
    files = {
        s: {f for _, _, fs in os.walk(out / s) for f in fs if f.endswith(".png")}
        for s in ("train", "validation", "test")
    }
    assert not files["train"] & files["test"] and not files["train"] & files["validation"]
    image = Image.open(next((out / "train" / "square").iterdir()))
    assert image.size == (16, 16) and image.mode == "RGB"  # the 32 px annotated JPEG was brought to the raw size


def test_preprocess_split_is_reproducible_with_its_seed(tmp_path, raw_zip, splits):
    out, _ = splits
    again = tmp_path / "again"
    run_script("preprocess.py", "--raw", str(raw_zip), "--output-dir", str(again), "--seed", "7")
    listing = lambda root: sorted(p.name for p in (root / "test" / "cross").iterdir())  # noqa: E731
    assert listing(again) == listing(out)


def test_preprocess_uses_a_fixed_test_set_and_drops_its_duplicates_from_training(tmp_path, raw_zip):
    test_zip = tmp_path / "test.zip"
    with zipfile.ZipFile(raw_zip) as src, zipfile.ZipFile(test_zip, "w") as dst:
        for name in [n for n in src.namelist() if n.startswith("cross/")][:5]:
            dst.writestr(name, src.read(name))
    run_script(
        "preprocess.py", "--raw", str(raw_zip), "--test-data", str(test_zip), "--output-dir", str(tmp_path / "d")
    )
    report = json.loads((tmp_path / "d" / "report" / "report.json").read_text())
    assert report["split_counts"]["test"] == {"circle": 0, "cross": 5, "square": 0, "triangle": 0}
    assert report["duplicates_removed"] == 5
    assert report["class_counts_without_annotations"]["cross"] == 55


def test_preprocess_rejects_a_zip_without_class_folders(tmp_path):
    bad = tmp_path / "flat.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("image.png", b"x")
    proc = run_script("preprocess.py", "--raw", str(bad), "--output-dir", str(tmp_path / "o"), check=False)
    assert proc.returncode == 2 and "not inside a class folder" in proc.stderr
