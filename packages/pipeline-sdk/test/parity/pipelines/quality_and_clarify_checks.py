"""QualityCheck (data quality) and ClarifyCheck (data bias) steps whose CalculatedBaseline* and
BaselineUsedForDriftCheck* properties feed a RegisterModel step's drift-check baselines."""
import os

from sagemaker.clarify import BiasConfig, DataConfig
from sagemaker.drift_check_baselines import DriftCheckBaselines
from sagemaker.model import Model
from sagemaker.model_metrics import FileSource, MetricsSource
from sagemaker.model_monitor.dataset_format import DatasetFormat
from sagemaker.workflow import clarify_check_step
from sagemaker.workflow.check_job_config import CheckJobConfig
from sagemaker.workflow.clarify_check_step import ClarifyCheckStep, DataBiasCheckConfig
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterBoolean, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.quality_check_step import DataQualityCheckConfig, QualityCheckStep

from harness import BUCKET, ROLE


def _no_upload(local_path, s3_output_path, sagemaker_session, kms_key):
    # The analysis config would be uploaded to S3; the definition only needs its URI.
    return f"{s3_output_path}/{os.path.basename(local_path)}"


def build(session):
    session.upload_string_as_file_body = lambda body, bucket, key, kms_key=None: f"s3://{bucket}/{key}"
    clarify_check_step._upload_analysis_config = _no_upload
    session.upload_data = lambda path, bucket=None, key_prefix=None, extra_args=None: f"s3://{bucket}/{key_prefix}/{os.path.basename(path)}"
    skip = ParameterBoolean(name="SkipCheck", default_value=False)
    supplied = ParameterString(name="SuppliedStatistics", default_value=f"s3://{BUCKET}/baseline/statistics.json")
    job = CheckJobConfig(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", volume_size_in_gb=60,
                         sagemaker_session=session)
    data_quality = QualityCheckStep(
        name="DataQuality",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=f"s3://{BUCKET}/data/train.csv", dataset_format=DatasetFormat.csv(header=False),
            output_s3_uri=f"s3://{BUCKET}/checks/data-quality"),
        check_job_config=job,
        skip_check=skip, register_new_baseline=False, fail_on_violation=True,
        supplied_baseline_statistics=supplied,
        supplied_baseline_constraints=f"s3://{BUCKET}/baseline/constraints.json",
        model_package_group_name="parity-models",
    )
    bias = ClarifyCheckStep(
        name="DataBias",
        clarify_check_config=DataBiasCheckConfig(
            data_config=DataConfig(s3_data_input_path=f"s3://{BUCKET}/data/train.csv",
                                   s3_output_path=f"s3://{BUCKET}/checks/bias", label=0, dataset_type="text/csv"),
            data_bias_config=BiasConfig(label_values_or_threshold=[1], facet_name=[8])),
        check_job_config=job,
        skip_check=False, register_new_baseline=True,
        model_package_group_name="parity-models",
    )
    model = Model(image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/parity:latest",
                  model_data=f"s3://{BUCKET}/model.tar.gz", role=ROLE, sagemaker_session=session)
    register = ModelStep(name="Register", step_args=model.register(
        content_types=["text/csv"], response_types=["text/csv"], model_package_group_name="parity-models",
        drift_check_baselines=DriftCheckBaselines(
            model_data_statistics=MetricsSource(s3_uri=data_quality.properties.BaselineUsedForDriftCheckStatistics,
                                                content_type="application/json"),
            model_data_constraints=MetricsSource(s3_uri=data_quality.properties.BaselineUsedForDriftCheckConstraints,
                                                 content_type="application/json"),
            bias_pre_training_constraints=MetricsSource(s3_uri=bias.properties.BaselineUsedForDriftCheckConstraints,
                                                        content_type="application/json"),
            bias_config_file=FileSource(s3_uri=bias.properties.CalculatedBaselineConstraints,
                                        content_type="application/json"),
        )))
    return Pipeline(name="QualityAndClarifyChecks", parameters=[skip, supplied], steps=[data_quality, bias, register],
                    sagemaker_session=session)
