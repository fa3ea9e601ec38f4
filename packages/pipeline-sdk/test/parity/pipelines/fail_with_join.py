"""The Python SDK unit-test vector: a condition's Outcome joined into a Fail step's message,
plus a Fail step with no message (the SDK emits an empty string)."""
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionEquals
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import Join
from sagemaker.workflow.parameters import ParameterInteger
from sagemaker.workflow.pipeline import Pipeline


def build(session):
    param = ParameterInteger(name="MyInt", default_value=2)
    cond = ConditionStep(name="CondStep", conditions=[ConditionEquals(left=param, right=1)], if_steps=[], else_steps=[])
    fail = FailStep(
        name="FailStep",
        error_message=Join(on=": ", values=["Failed due to xxx == yyy returns", cond.properties.Outcome]),
    )
    silent = FailStep(name="SilentFail", depends_on=[fail], display_name="Silent", description="no message")
    return Pipeline(name="FailWithJoin", parameters=[param], steps=[cond, fail, silent], sagemaker_session=session)
