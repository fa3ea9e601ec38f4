"""A DATA_QUALITY check on JSON-lines data from a processing step's output, with a parameterised instance type."""
from sagemaker.model_monitor.dataset_format import DatasetFormat
from sagemaker.processing import ProcessingOutput, ScriptProcessor
from sagemaker.workflow.check_job_config import CheckJobConfig
from sagemaker.workflow.parameters import ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.quality_check_step import DataQualityCheckConfig, QualityCheckStep
from sagemaker.workflow.steps import CacheConfig, ProcessingStep

from harness import BUCKET, ROLE

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/parity:latest"


def build(session):
    instance = ParameterString(name="CheckInstance", default_value="ml.m5.large")
    proc = ScriptProcessor(image_uri=IMAGE, command=["python3"], role=ROLE, instance_type="ml.m5.large", instance_count=1,
                           sagemaker_session=session)
    prep = ProcessingStep(name="Prep", step_args=proc.run(code=f"s3://{BUCKET}/code/prep.py",
                          outputs=[ProcessingOutput(output_name="data", source="/opt/ml/processing/data")]))
    check = QualityCheckStep(
        name="Quality",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=prep.properties.ProcessingOutputConfig.Outputs["data"].S3Output.S3Uri,
            dataset_format=DatasetFormat.json(lines=True), output_s3_uri=f"s3://{BUCKET}/quality"),
        check_job_config=CheckJobConfig(role=ROLE, instance_count=1, instance_type=instance, sagemaker_session=session),
        skip_check=True, register_new_baseline=True, cache_config=CacheConfig(enable_caching=True, expire_after="P1D"),
    )
    return Pipeline(name="DataQualityJson", parameters=[instance], steps=[prep, check], sagemaker_session=session)
