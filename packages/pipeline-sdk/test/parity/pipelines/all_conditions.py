"""Every condition type, nested Not/Or, parameters and JsonGet operands, if and else branches."""
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import (
    ConditionEquals, ConditionGreaterThan, ConditionGreaterThanOrEqualTo, ConditionIn, ConditionLessThan,
    ConditionLessThanOrEqualTo, ConditionNot, ConditionOr,
)
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import JsonGet
from sagemaker.workflow.parameters import ParameterBoolean, ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.steps import ProcessingStep

from _common import script_step_args


def build(session):
    count = ParameterInteger(name="Count", default_value=5)
    score = ParameterFloat(name="Score", default_value=0.5)
    region = ParameterString(name="Region", default_value="us-east-1")
    enabled = ParameterBoolean(name="Enabled", default_value=True)
    stats = PropertyFile(name="Stats", output_name="stats", path="stats.json")
    check = ProcessingStep(name="Check", step_args=script_step_args(session, "check.py", outputs=["stats"]), property_files=[stats])
    rows = JsonGet(step_name=check.name, property_file=stats, json_path="rows")
    conditions = [
        ConditionEquals(left=enabled, right=True),
        ConditionGreaterThan(left=count, right=1),
        ConditionGreaterThanOrEqualTo(left=score, right=0.1),
        ConditionLessThan(left=rows, right=1000000),
        ConditionLessThanOrEqualTo(left=score, right=1.0),
        ConditionIn(value=region, in_values=["us-east-1", "eu-west-1", region]),
        ConditionNot(expression=ConditionEquals(left=count, right=13)),
        ConditionOr(conditions=[
            ConditionGreaterThan(left=rows, right=count),
            ConditionNot(expression=ConditionIn(value="x", in_values=["a", "b"])),
        ]),
    ]
    ok = ProcessingStep(name="Proceed", step_args=script_step_args(session, "proceed.py"))
    stop = FailStep(name="Stop", error_message="checks failed")
    cond = ConditionStep(name="AllChecks", conditions=conditions, if_steps=[ok], else_steps=[stop])
    return Pipeline(name="AllConditions", parameters=[count, score, region, enabled], steps=[check, cond], sagemaker_session=session)
