import json
import re

from PIL import Image


def test_evaluation_json_has_the_sagemaker_model_quality_layout(evaluated, splits):
    out, stdout = evaluated
    report = json.loads((out / "evaluation" / "evaluation.json").read_text())
    metrics = report["multiclass_classification_metrics"]
    for key in (
        "accuracy",
        "weighted_precision",
        "weighted_recall",
        "weighted_f1",
        "weighted_f0_5",
        "weighted_f2",
        "accuracy_best_constant_classifier",
        "weighted_f1_best_constant_classifier",
    ):
        assert set(metrics[key]) == {"value", "standard_deviation"}, key
        assert 0 <= metrics[key]["value"] <= 1
    classes = ["circle", "cross", "square", "triangle"]
    confusion = metrics["confusion_matrix"]
    assert list(confusion) == classes and all(list(row) == classes for row in confusion.values())
    total = sum(sum(row.values()) for row in confusion.values())
    assert total == report["test_images"]
    correct = sum(confusion[c][c] for c in classes)
    assert abs(metrics["accuracy"]["value"] - correct / total) < 1e-9
    assert set(report["per_class_metrics"]["circle"]) == {"precision", "recall", "f1", "support"}
    assert report["model_version"] == "test-model-1"
    # The pipeline's ConditionStep reads it with JsonGet at this path.
    assert f"test_accuracy={metrics['accuracy']['value']:.4f}" in stdout


def test_drift_flags_the_perturbed_test_set_and_not_the_unperturbed_one(evaluated):
    out, _ = evaluated
    unpert = json.loads((out / "drift" / "dd_unpert.json").read_text())
    pert = json.loads((out / "drift" / "dd_pert.json").read_text())
    for record in (unpert, pert):
        assert {"is_drift", "p_val", "threshold", "distance"} <= set(record)
        assert record["threshold"] == 0.05
    assert unpert["is_drift"] is False and unpert["p_val"] > 0.05
    assert pert["is_drift"] is True and pert["p_val"] <= 0.05
    assert pert["distance"] > unpert["distance"]


def _markdown_images(md: str) -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)


def test_explanation_report_references_one_decodable_png_per_method(evaluated):
    out, _ = evaluated
    folder = out / "explanation"
    md = (folder / "explanation.md").read_text()
    referenced = _markdown_images(md)
    assert sorted(referenced) == sorted(
        ["integrated_gradients.png", "saliency.png", "gradient_shap.png", "occlusion.png", "grad_cam.png"]
    )
    for name in referenced:
        with Image.open(folder / name) as im:
            im.load()
            assert im.format == "PNG" and im.size[0] > 100


def test_robustness_report_has_accuracy_under_each_attack(evaluated):
    out, _ = evaluated
    folder = out / "robustness"
    md = (folder / "robustness.md").read_text()
    for name in _markdown_images(md):
        with Image.open(folder / name) as im:
            im.load()
    assert sorted(_markdown_images(md)) == ["accuracy_under_attack.png", "examples.png"]
    rows = dict(re.findall(r"^\| ([^|]+?) \| ([0-9.]+) \|", md, flags=re.M))
    for attack in (
        "clean",
        "FGSM eps=0.01",
        "FGSM eps=0.1",
        "PGD eps=0.1 (3 steps)",
        "gaussian noise (std 0.1)",
        "blur (sigma 1)",
        "rotation (15 degrees)",
        "brightness (x1.5)",
    ):
        assert attack in rows, attack
        assert 0 <= float(rows[attack]) <= 1
    # A stronger attack cannot help: PGD at the largest radius is at most as accurate as clean.
    assert float(rows["PGD eps=0.1 (3 steps)"]) <= float(rows["clean"])
