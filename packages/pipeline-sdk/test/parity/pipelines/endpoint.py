"""Create a model, an endpoint config and an endpoint from a registered artifact."""
from sagemaker.model import Model
from sagemaker.workflow.endpoint_step import EndpointConfigStep, EndpointStep
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterString
from sagemaker.workflow.pipeline import Pipeline

from _common import IMAGE
from harness import BUCKET, ROLE


def build(session):
    instance_type = ParameterString(name="EndpointInstanceType", default_value="ml.m5.large")
    model = Model(image_uri=IMAGE, model_data=f"s3://{BUCKET}/models/model.tar.gz", role=ROLE, sagemaker_session=session)
    create = ModelStep(name="CreateModel", step_args=model.create(instance_type="ml.m5.large"))
    config = EndpointConfigStep(
        name="EndpointConfig",
        step_args=session.create_endpoint_config(
            name="parity-endpoint-config",
            model_name=create.properties.ModelName,
            initial_instance_count=1,
            instance_type=instance_type,
        ),
    )
    endpoint = EndpointStep(
        name="Endpoint",
        step_args=session.create_endpoint(endpoint_name="parity-endpoint", config_name=config.properties.EndpointConfigName),
    )
    return Pipeline(name="Endpoint", parameters=[instance_type], steps=[create, config, endpoint], sagemaker_session=session)
