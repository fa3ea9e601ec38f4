"""An EMR step with cache config and a Step retry policy, read by a condition on its state."""
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionEquals
from sagemaker.workflow.emr_step import EMRStep, EMRStepConfig
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.retry import StepExceptionTypeEnum, StepRetryPolicy
from sagemaker.workflow.steps import CacheConfig

from harness import BUCKET


def build(session):
    emr = EMRStep(name="Spark", display_name="Spark", description="spark job", cluster_id="j-ABC",
                  step_config=EMRStepConfig(jar="command-runner.jar", args=["spark-submit", f"s3://{BUCKET}/job.py"]),
                  cache_config=CacheConfig(enable_caching=True, expire_after="PT2H"),
                  retry_policies=[StepRetryPolicy(exception_types=[StepExceptionTypeEnum.SERVICE_FAULT], max_attempts=2)])
    check = ConditionStep(name="Check", conditions=[ConditionEquals(left=emr.properties.Status.State, right="COMPLETED")],
                          if_steps=[], else_steps=[FailStep(name="Failed", error_message="EMR step did not complete")])
    return Pipeline(name="EmrCacheRetry", steps=[emr, check], sagemaker_session=session)
