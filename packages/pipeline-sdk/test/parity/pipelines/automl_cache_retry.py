"""An AutoML step with cache config, a SageMaker-job retry policy and a parameterised target, whose best
candidate's explainability report and job status are read downstream."""
from sagemaker.automl.automl import AutoML, AutoMLInput
from sagemaker.workflow.automl_step import AutoMLStep
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import Join
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.retry import SageMakerJobExceptionTypeEnum, SageMakerJobStepRetryPolicy
from sagemaker.workflow.steps import CacheConfig

from harness import BUCKET, ROLE


def build(session):
    automl = AutoML(role=ROLE, target_attribute_name="y", output_path=f"s3://{BUCKET}/automl", mode="ENSEMBLING",
                    max_runtime_per_training_job_in_seconds=600, total_job_runtime_in_seconds=3600,
                    sagemaker_session=session)
    step = AutoMLStep(
        name="Auto", step_args=automl.fit(inputs=f"s3://{BUCKET}/automl/data.csv"),
        cache_config=CacheConfig(enable_caching=True, expire_after="P7D"),
        retry_policies=[SageMakerJobStepRetryPolicy(exception_types=[SageMakerJobExceptionTypeEnum.RESOURCE_LIMIT],
                                                    max_attempts=3)],
    )
    report = FailStep(name="Report", error_message=Join(on=" ", values=[
        step.properties.BestCandidateProperties.ExplainabilityJsonReportPath, step.properties.AutoMLJobStatus]))
    return Pipeline(name="AutoMLCacheRetry", steps=[step, report], sagemaker_session=session)
