"""A MODEL_QUALITY QualityCheck (modelQualityCheckJob in the twin), on a transform output,
whose calculated statistics and constraints feed a RegisterModel step's model metrics."""
from sagemaker.model import Model
from sagemaker.model_metrics import MetricsSource, ModelMetrics
from sagemaker.model_monitor.dataset_format import DatasetFormat
from sagemaker.workflow.check_job_config import CheckJobConfig
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.quality_check_step import ModelQualityCheckConfig, QualityCheckStep

from harness import BUCKET, ROLE


def build(session):
    check = QualityCheckStep(
        name="ModelQuality",
        quality_check_config=ModelQualityCheckConfig(
            baseline_dataset=f"s3://{BUCKET}/predictions/", dataset_format=DatasetFormat.csv(header=True),
            output_s3_uri=f"s3://{BUCKET}/checks/model-quality", problem_type="BinaryClassification",
            inference_attribute="prediction", probability_attribute="probability", ground_truth_attribute="label",
            probability_threshold_attribute=0.5),
        check_job_config=CheckJobConfig(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge",
                                        sagemaker_session=session),
        model_package_group_name="parity-models",
    )
    model = Model(image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/parity:latest",
                  model_data=f"s3://{BUCKET}/model.tar.gz", role=ROLE, sagemaker_session=session)
    register = ModelStep(name="Register", step_args=model.register(
        content_types=["text/csv"], response_types=["text/csv"], model_package_group_name="parity-models",
        model_metrics=ModelMetrics(
            model_statistics=MetricsSource(s3_uri=check.properties.CalculatedBaselineStatistics, content_type="application/json"),
            model_constraints=MetricsSource(s3_uri=check.properties.CalculatedBaselineConstraints, content_type="application/json"))))
    return Pipeline(name="ModelQualityCheck", steps=[check, register], sagemaker_session=session)
