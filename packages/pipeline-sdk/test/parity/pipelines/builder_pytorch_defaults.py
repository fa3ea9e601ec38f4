"""A PyTorch estimator with defaults only (output path from the default bucket, debugger hook and profiler on),
a channel from a processing output, and a parameterised instance count in the processor."""
from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from sagemaker.pytorch import PyTorch
from sagemaker.workflow.parameters import ParameterInteger
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.steps import ProcessingStep, TrainingStep

from harness import BUCKET, ROLE

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/parity:latest"


def build(session):
    count = ParameterInteger(name="PrepCount", default_value=2)
    proc = ScriptProcessor(image_uri=IMAGE, command=["python3", "-u"], role=ROLE, instance_type="ml.c5.xlarge",
                           instance_count=count, sagemaker_session=session)
    prep = ProcessingStep(name="Prep", step_args=proc.run(
        code=f"s3://{BUCKET}/code/prep.py",
        inputs=[ProcessingInput(source=f"s3://{BUCKET}/raw", destination="/opt/ml/processing/raw")],
        outputs=[ProcessingOutput(source="/opt/ml/processing/out")]))
    est = PyTorch(entry_point="train.py", source_dir=f"s3://{BUCKET}/code/sourcedir.tar.gz", framework_version="2.3.0",
                  py_version="py311", role=ROLE, instance_type="ml.m5.xlarge", instance_count=1, sagemaker_session=session,
                  hyperparameters={"epochs": 3})
    train = TrainingStep(name="Train", step_args=est.fit(inputs={
        "train": prep.properties.ProcessingOutputConfig.Outputs["output-1"].S3Output.S3Uri}))
    return Pipeline(name="BuilderPyTorchDefaults", parameters=[count], steps=[prep, train], sagemaker_session=session)
