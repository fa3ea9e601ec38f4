"""EMR steps (on a running cluster and on a new cluster), an AutoML step in ENSEMBLING mode, and a
NotebookJob step, with their properties used downstream."""
import os
import tempfile

from sagemaker.automl.automl import AutoML, AutoMLInput
from sagemaker.workflow.emr_step import EMRStep, EMRStepConfig
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import Join
from sagemaker.workflow import notebook_job_step
from sagemaker.workflow.notebook_job_step import NotebookJobStep
from sagemaker.workflow.parameters import ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.automl_step import AutoMLStep

from harness import BUCKET, ROLE

NOTEBOOK = os.path.join(tempfile.gettempdir(), "parity-notebook", "analysis.ipynb")


def build(session):
    # The notebook would be uploaded to a timestamped folder; fix both for a comparable definition.
    notebook_job_step.name_from_base = lambda base: f"{base}-2024-01-01-00-00-00-000"
    NotebookJobStep._upload_job_files = lambda self, s3_base_uri, paths_to_upload, kms_key, sagemaker_session: None
    session.upload_data = lambda path, bucket=None, key_prefix=None, extra_args=None: f"s3://{bucket}/{key_prefix}/{os.path.basename(path)}"
    os.makedirs(os.path.dirname(NOTEBOOK), exist_ok=True)
    with open(NOTEBOOK, "w") as f:
        f.write('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    cluster = ParameterString(name="ClusterId", default_value="j-1ABCDEFGHIJKL")
    jar = EMRStepConfig(jar="command-runner.jar", args=["spark-submit", f"s3://{BUCKET}/emr/job.py"],
                        properties=[{"Key": "mapred.tasktracker.map.tasks.maximum", "Value": "2"}])
    on_cluster = EMRStep(name="EmrOnCluster", display_name="Spark job", description="runs on a cluster",
                         cluster_id=cluster, step_config=jar, execution_role_arn=ROLE)
    new_cluster = EMRStep(
        name="EmrNewCluster", display_name="Spark job (new cluster)", description="runs on a new cluster",
        cluster_id=None, step_config=EMRStepConfig(jar="command-runner.jar", args=["spark-submit", "job.py"],
                                                   main_class="org.example.Main"),
        cluster_config={
            "Instances": {"InstanceGroups": [{"InstanceRole": "MASTER", "InstanceCount": 1, "InstanceType": "m5.xlarge"}]},
            "ReleaseLabel": "emr-6.15.0",
        },
    )
    automl = AutoML(role=ROLE, target_attribute_name="label", output_path=f"s3://{BUCKET}/automl",
                    max_candidates=3, mode="ENSEMBLING", problem_type="BinaryClassification",
                    job_objective={"MetricName": "F1"}, sagemaker_session=session)
    automl_step = AutoMLStep(
        name="AutoML",
        step_args=automl.fit(inputs=[AutoMLInput(inputs=f"s3://{BUCKET}/automl/train.csv", target_attribute_name="label",
                                                 channel_type="training")]),
    )
    notebook = NotebookJobStep(
        name="Notebook", input_notebook=NOTEBOOK,
        image_uri="885854791233.dkr.ecr.us-east-1.amazonaws.com/sagemaker-distribution-prod:1-cpu",
        kernel_name="python3", role=ROLE, instance_type="ml.m5.large", s3_root_uri=f"s3://{BUCKET}/notebooks",
        parameters={"alpha": "0.5"}, environment_variables={"STAGE": "test"}, max_runtime_in_seconds=3600,
    )
    report = FailStep(name="Report", error_message=Join(on=" ", values=[
        automl_step.properties.BestCandidateProperties.ModelInsightsJsonReportPath,
        notebook.properties.ComputingJobStatus,
        on_cluster.properties.Status.State,
    ]))
    return Pipeline(name="EmrAutoMLNotebook", parameters=[cluster], steps=[on_cluster, new_cluster, automl_step, notebook, report],
                    sagemaker_session=session)
