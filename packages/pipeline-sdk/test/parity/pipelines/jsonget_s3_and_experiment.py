"""JsonGet on an S3 URI (a Join), a custom experiment config, and Join with mixed value types."""
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionGreaterThan
from sagemaker.workflow.execution_variables import ExecutionVariables
from sagemaker.workflow.functions import Join, JsonGet
from sagemaker.workflow.parameters import ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_experiment_config import PipelineExperimentConfig
from sagemaker.workflow.steps import ProcessingStep

from _common import script_step_args


def build(session):
    bucket = ParameterString(name="ResultBucket", default_value="parity-results")
    produce = ProcessingStep(name="Produce", step_args=script_step_args(session, "produce.py", outputs=["result"]))
    score = JsonGet(
        s3_uri=Join(on="/", values=["s3:/", bucket, ExecutionVariables.PIPELINE_EXECUTION_ID, "result.json"]),
        json_path="score",
    )
    after = ProcessingStep(
        name="After",
        step_args=script_step_args(session, "after.py", arguments=["--tag", Join(on="-", values=["run", 7, 1.5, True])]),
    )
    cond = ConditionStep(name="ScoreHigh", conditions=[ConditionGreaterThan(left=score, right=0.9)], if_steps=[after], depends_on=[produce])
    return Pipeline(
        name="JsonGetS3",
        parameters=[bucket],
        steps=[produce, cond],
        pipeline_experiment_config=PipelineExperimentConfig(experiment_name="parity-experiment", trial_name=ExecutionVariables.PIPELINE_EXECUTION_ID),
        sagemaker_session=session,
    )
