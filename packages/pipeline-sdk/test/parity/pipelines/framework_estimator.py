"""A PyTorch framework estimator with pipeline-parameter hyperparameters (wrapped by the SDK as
Std:Join to_string), a processing step with a PyTorch processor image and typed inputs."""
from sagemaker.inputs import TrainingInput
from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from sagemaker.pytorch import PyTorch
from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.steps import ProcessingStep, TrainingStep

from harness import BUCKET, ROLE


def build(session):
    epochs = ParameterInteger(name="Epochs", default_value=10)
    lr = ParameterFloat(name="LearningRate", default_value=0.01)
    instance_type = ParameterString(name="PrepareInstanceType", default_value="ml.m5.xlarge")
    prep = ScriptProcessor(
        image_uri="763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311",
        command=["python3"], instance_type=instance_type, instance_count=2, volume_size_in_gb=100,
        max_runtime_in_seconds=7200, sagemaker_session=session, role=ROLE,
    )
    step_prep = ProcessingStep(
        name="Prepare",
        step_args=prep.run(
            inputs=[ProcessingInput(source=f"s3://{BUCKET}/raw/", destination="/opt/ml/processing/raw", input_name="raw",
                                    s3_data_distribution_type="ShardedByS3Key")],
            outputs=[ProcessingOutput(output_name="data", source="/opt/ml/processing/data", destination=f"s3://{BUCKET}/prepared", s3_upload_mode="Continuous")],
            code=f"s3://{BUCKET}/code/prepare.py",
        ),
    )
    est = PyTorch(
        entry_point="train.py",
        source_dir=f"s3://{BUCKET}/code/sourcedir.tar.gz",
        framework_version="2.3.0",
        py_version="py311",
        role=ROLE,
        # torch_distributed needs a GPU (or Trainium) type known at definition time.
        instance_type="ml.g5.12xlarge",
        instance_count=2,
        distribution={"torch_distributed": {"enabled": True}},
        hyperparameters={"epochs": epochs, "lr": lr, "name": "fmnist"},
        output_path=f"s3://{BUCKET}/models",
        disable_profiler=True,
        sagemaker_session=session,
    )
    step_train = TrainingStep(
        name="Train",
        step_args=est.fit(inputs={"train": TrainingInput(s3_data=step_prep.properties.ProcessingOutputConfig.Outputs["data"].S3Output.S3Uri)}),
    )
    return Pipeline(name="FrameworkEstimator", parameters=[epochs, lr, instance_type], steps=[step_prep, step_train], sagemaker_session=session)
