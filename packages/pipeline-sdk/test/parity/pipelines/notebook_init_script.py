"""A NotebookJob step with an initialization script, custom tags, a named job and default resources, whose
output notebook name feeds a Fail step."""
import os
import tempfile

from sagemaker.workflow import notebook_job_step
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.notebook_job_step import NotebookJobStep
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.retry import StepExceptionTypeEnum, StepRetryPolicy

from harness import BUCKET, ROLE

FOLDER = os.path.join(tempfile.gettempdir(), "parity-notebook-init")


def build(session):
    notebook_job_step.name_from_base = lambda base: f"{base}-2024-02-03-04-05-06-007"
    notebook_job_step.NotebookJobStep._upload_job_files = lambda self, s3_base_uri, paths_to_upload, kms_key, sagemaker_session: None
    os.makedirs(FOLDER, exist_ok=True)
    for name, text in (("report.ipynb", "{}"), ("init.sh", "pip install -q pandas\n")):
        with open(os.path.join(FOLDER, name), "w") as f:
            f.write(text)
    notebook = NotebookJobStep(
        name="Report", notebook_job_name="weekly-report", input_notebook=os.path.join(FOLDER, "report.ipynb"),
        initialization_script=os.path.join(FOLDER, "init.sh"),
        image_uri="885854791233.dkr.ecr.us-east-1.amazonaws.com/sagemaker-distribution-prod:1-cpu",
        kernel_name="python3", role=ROLE, s3_root_uri=f"s3://{BUCKET}/nb", tags=[{"Key": "team", "Value": "ml"}],
        retry_policies=[StepRetryPolicy(exception_types=[StepExceptionTypeEnum.THROTTLING], max_attempts=2)],
    )
    fail = FailStep(name="Done", error_message=notebook.properties.OutputNotebookName, depends_on=[notebook])
    return Pipeline(name="NotebookInit", steps=[notebook, fail], sagemaker_session=session)
