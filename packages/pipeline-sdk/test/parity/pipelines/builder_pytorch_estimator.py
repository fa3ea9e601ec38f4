"""A PyTorch estimator as the TypeScript training builder writes it: source dir and entry point, hyperparameters
with pipeline parameters, torch_distributed, spot with checkpoints, metric definitions, network isolation."""
from sagemaker.inputs import TrainingInput
from sagemaker.pytorch import PyTorch
from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.steps import TrainingStep

from harness import BUCKET, ROLE


def build(session):
    epochs = ParameterInteger(name="Epochs", default_value=5)
    lr = ParameterFloat(name="LearningRate", default_value=0.001)
    arch = ParameterString(name="Arch", default_value="resnet18")
    est = PyTorch(
        entry_point="train.py",
        source_dir=f"s3://{BUCKET}/code/sourcedir.tar.gz",
        framework_version="2.3.0",
        py_version="py311",
        role=ROLE,
        instance_type="ml.g5.12xlarge",
        instance_count=2,
        volume_size=100,
        distribution={"torch_distributed": {"enabled": True}},
        hyperparameters={"epochs": epochs, "lr": lr, "arch": arch, "batch-size": 64, "augment": True},
        use_spot_instances=True,
        max_run=7200,
        max_wait=10800,
        checkpoint_s3_uri=f"s3://{BUCKET}/checkpoints",
        checkpoint_local_path="/opt/ml/checkpoints",
        metric_definitions=[{"Name": "validation:accuracy", "Regex": "val_acc=([0-9.]+)"},
                            {"Name": "train:loss", "Regex": "loss=([0-9.]+)"}],
        enable_network_isolation=True,
        environment={"NCCL_DEBUG": "WARN"},
        output_path=f"s3://{BUCKET}/models",
        sagemaker_session=session,
    )
    train = TrainingStep(
        name="Train",
        step_args=est.fit(inputs={
            "train": TrainingInput(s3_data=f"s3://{BUCKET}/data/train"),
            "validation": TrainingInput(s3_data=f"s3://{BUCKET}/data/validation", content_type="application/x-image"),
        }),
    )
    return Pipeline(name="BuilderPyTorchEstimator", parameters=[epochs, lr, arch], steps=[train], sagemaker_session=session)
