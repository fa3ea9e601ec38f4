"""ModelStep with model.create() and model.register(): steps named <name>-CreateModel / <name>-RegisterModel,
model metrics and drift-check baselines, as the TypeScript model helpers write them."""
from sagemaker.drift_check_baselines import DriftCheckBaselines
from sagemaker.model import Model
from sagemaker.model_metrics import MetricsSource, ModelMetrics
from sagemaker.workflow.functions import Join
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.retry import StepExceptionTypeEnum, StepRetryPolicy

from harness import BUCKET, ROLE

IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311"


def build(session):
    model_data = ParameterString(name="ModelData", default_value=f"s3://{BUCKET}/models/model.tar.gz")
    approval = ParameterString(name="Approval", default_value="PendingManualApproval")
    model = Model(image_uri=IMAGE, model_data=model_data, role=ROLE, env={"SAGEMAKER_PROGRAM": "inference.py"},
                  sagemaker_session=session)
    create = ModelStep(name="Model", step_args=model.create(instance_type="ml.m5.large"),
                       retry_policies=[StepRetryPolicy(exception_types=[StepExceptionTypeEnum.THROTTLING], max_attempts=3)])
    metrics = ModelMetrics(model_statistics=MetricsSource(
        s3_uri=Join(on="/", values=[f"s3://{BUCKET}/eval", "evaluation.json"]), content_type="application/json"))
    baselines = DriftCheckBaselines(model_data_statistics=MetricsSource(
        s3_uri=f"s3://{BUCKET}/baselines/statistics.json", content_type="application/json"))
    register = ModelStep(
        name="Register",
        step_args=model.register(
            content_types=["image/png"], response_types=["application/json"],
            inference_instances=["ml.m5.large"], transform_instances=["ml.m5.large"],
            model_package_group_name="parity-models", approval_status=approval,
            model_metrics=metrics, drift_check_baselines=baselines, description="parity model",
        ),
        depends_on=["Model-CreateModel"],
    )
    return Pipeline(name="BuilderModelSteps", parameters=[model_data, approval], steps=[create, register], sagemaker_session=session)
