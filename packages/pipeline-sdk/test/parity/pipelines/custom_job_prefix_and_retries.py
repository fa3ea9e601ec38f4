"""PipelineDefinitionConfig(use_custom_job_prefix=True) keeps base job names; retry policies with neither,
both, and a zero ExpireAfterMin (dropped), as RetryPolicy.to_request writes them."""
from sagemaker.processing import ProcessingOutput, ScriptProcessor
from sagemaker.pytorch import PyTorch
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_definition_config import PipelineDefinitionConfig
from sagemaker.workflow.retry import (SageMakerJobExceptionTypeEnum, SageMakerJobStepRetryPolicy,
                                      StepExceptionTypeEnum, StepRetryPolicy)
from sagemaker.workflow.steps import ProcessingStep, TrainingStep

from harness import BUCKET, ROLE

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/parity:latest"


def build(session):
    proc = ScriptProcessor(image_uri=IMAGE, command=["python3"], role=ROLE, instance_type="ml.m5.large", instance_count=1,
                           base_job_name="team-a-prep", sagemaker_session=session)
    prep = ProcessingStep(
        name="Prep",
        step_args=proc.run(code=f"s3://{BUCKET}/code/prep.py",
                           outputs=[ProcessingOutput(output_name="data", source="/opt/ml/processing/data")]),
        retry_policies=[
            StepRetryPolicy(exception_types=[StepExceptionTypeEnum.THROTTLING]),
            StepRetryPolicy(exception_types=[StepExceptionTypeEnum.SERVICE_FAULT], max_attempts=3, expire_after_mins=30),
            SageMakerJobStepRetryPolicy(exception_types=[SageMakerJobExceptionTypeEnum.CAPACITY_ERROR],
                                        max_attempts=5, expire_after_mins=0, backoff_rate=1.5, interval_seconds=10),
        ],
    )
    est = PyTorch(entry_point="train.py", source_dir=f"s3://{BUCKET}/code/sourcedir.tar.gz", framework_version="2.3.0",
                  py_version="py311", role=ROLE, instance_type="ml.m5.xlarge", instance_count=1,
                  base_job_name="team-a-train", output_path=f"s3://{BUCKET}/models", sagemaker_session=session)
    train = TrainingStep(name="Train", step_args=est.fit(inputs={
        "train": prep.properties.ProcessingOutputConfig.Outputs["data"].S3Output.S3Uri}))
    return Pipeline(name="CustomJobPrefix", steps=[prep, train], sagemaker_session=session,
                    pipeline_definition_config=PipelineDefinitionConfig(use_custom_job_prefix=True))
