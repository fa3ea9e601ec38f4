"""Every parameter type (with and without defaults, enum values), every execution variable and the
experiment-config properties, used in a processing step's environment and arguments."""
from sagemaker.workflow.execution_variables import ExecutionVariables
from sagemaker.workflow.functions import Join
from sagemaker.workflow.parameters import ParameterBoolean, ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.pipeline_experiment_config import PipelineExperimentConfigProperties
from sagemaker.workflow.steps import ProcessingStep

from _common import script_step_args


def build(session):
    stage = ParameterString(name="Stage", default_value="dev", enum_values=["dev", "staging", "prod"])
    note = ParameterString(name="Note")
    epochs = ParameterInteger(name="Epochs", default_value=3)
    ratio = ParameterFloat(name="Ratio", default_value=0.25)
    dry_run = ParameterBoolean(name="DryRun", default_value=False)
    flag = ParameterBoolean(name="Flag")
    env = {
        "STAGE": stage,
        "NOTE": note,
        "EPOCHS": epochs.to_string(),
        "RATIO": ratio.to_string(),
        "DRY_RUN": dry_run.to_string(),
        "EXPERIMENT": PipelineExperimentConfigProperties.EXPERIMENT_NAME,
        "TRIAL": PipelineExperimentConfigProperties.TRIAL_NAME,
        "RUN": Join(on="|", values=[
            ExecutionVariables.START_DATETIME, ExecutionVariables.CURRENT_DATETIME, ExecutionVariables.PIPELINE_NAME,
            ExecutionVariables.PIPELINE_ARN, ExecutionVariables.PIPELINE_EXECUTION_ID,
            ExecutionVariables.PIPELINE_EXECUTION_ARN, ExecutionVariables.TRAINING_JOB_NAME,
            ExecutionVariables.PROCESSING_JOB_NAME,
        ]),
    }
    step = ProcessingStep(
        name="Show",
        step_args=script_step_args(session, "show.py", env=env, arguments=["--epochs", epochs.to_string(), "--flag", flag.to_string(), "--ratio", ratio.to_string()]),
    )
    return Pipeline(
        name="ParametersAndVariables",
        parameters=[stage, note, epochs, ratio, dry_run, flag],
        steps=[step],
        sagemaker_session=session,
    )
