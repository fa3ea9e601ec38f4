"""Retry policies (step and SageMaker-job kinds, max attempts and expire-after), cache config,
explicit DependsOn by step and by name, display names and descriptions."""
from sagemaker.inputs import TrainingInput
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.retry import SageMakerJobExceptionTypeEnum, SageMakerJobStepRetryPolicy, StepExceptionTypeEnum, StepRetryPolicy
from sagemaker.workflow.steps import CacheConfig, ProcessingStep, TrainingStep

from _common import estimator, script_step_args
from harness import BUCKET


def build(session):
    first = ProcessingStep(
        name="First",
        display_name="First step",
        description="runs first",
        step_args=script_step_args(session, "first.py"),
        cache_config=CacheConfig(enable_caching=True, expire_after="P30D"),
        retry_policies=[
            StepRetryPolicy(exception_types=[StepExceptionTypeEnum.SERVICE_FAULT, StepExceptionTypeEnum.THROTTLING], max_attempts=5),
            SageMakerJobStepRetryPolicy(
                exception_types=[SageMakerJobExceptionTypeEnum.CAPACITY_ERROR],
                failure_reason_types=[SageMakerJobExceptionTypeEnum.INTERNAL_ERROR],
                expire_after_mins=120, interval_seconds=10, backoff_rate=1.5,
            ),
        ],
    )
    second = ProcessingStep(name="Second", step_args=script_step_args(session, "second.py"), depends_on=[first])
    est = estimator(session)
    train = TrainingStep(
        name="Train",
        step_args=est.fit(inputs={"train": TrainingInput(s3_data=f"s3://{BUCKET}/data/train")}),
        depends_on=["First", second],
        retry_policies=[SageMakerJobStepRetryPolicy(exception_types=[SageMakerJobExceptionTypeEnum.RESOURCE_LIMIT], max_attempts=20)],
        cache_config=CacheConfig(enable_caching=True),
    )
    return Pipeline(name="RetryCacheDepends", steps=[first, second, train], sagemaker_session=session)
