"""Conditions nested in condition branches, several property files on one processing step,
and no experiment config (emitted as null)."""
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo, ConditionLessThan
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import JsonGet
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.steps import ProcessingStep

from _common import script_step_args


def build(session):
    metrics = PropertyFile(name="Metrics", output_name="report", path="metrics.json")
    drift = PropertyFile(name="Drift", output_name="report", path="drift/summary.json")
    evaluate = ProcessingStep(
        name="Evaluate", step_args=script_step_args(session, "evaluate.py", outputs=["report", "plots"]), property_files=[metrics, drift]
    )
    accuracy = JsonGet(step_name=evaluate.name, property_file=metrics, json_path="accuracy")
    drift_score = JsonGet(step_name=evaluate.name, property_file="Drift", json_path="data.p_value")
    publish = ProcessingStep(name="Publish", step_args=script_step_args(session, "publish.py"))
    retrain = ProcessingStep(name="FlagRetrain", step_args=script_step_args(session, "flag.py"))
    inner = ConditionStep(
        name="CheckDrift", conditions=[ConditionLessThan(left=drift_score, right=0.05)], if_steps=[retrain], else_steps=[publish]
    )
    outer = ConditionStep(
        name="CheckAccuracy",
        conditions=[ConditionGreaterThanOrEqualTo(left=accuracy, right=0.8)],
        if_steps=[inner],
        else_steps=[FailStep(name="TooInaccurate", error_message=accuracy.to_string())],
    )
    return Pipeline(name="NestedConditions", steps=[evaluate, outer], pipeline_experiment_config=None, sagemaker_session=session)
