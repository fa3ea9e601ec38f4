"""Train, create a model from the artifacts, batch-transform with it."""
from sagemaker.inputs import TrainingInput, TransformInput
from sagemaker.model import Model
from sagemaker.transformer import Transformer
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.steps import TrainingStep, TransformStep

from _common import IMAGE, estimator
from harness import BUCKET, ROLE


def build(session):
    batch_input = ParameterString(name="BatchInput", default_value=f"s3://{BUCKET}/batch/input")
    est = estimator(session, max_run=3600, volume_size=50, environment={"MODE": "fast"})
    train = TrainingStep(
        name="Train",
        step_args=est.fit(inputs={
            "train": TrainingInput(s3_data=f"s3://{BUCKET}/data/train", content_type="application/x-image", distribution="ShardedByS3Key"),
        }),
    )
    model = Model(image_uri=IMAGE, model_data=train.properties.ModelArtifacts.S3ModelArtifacts, role=ROLE, env={"LOG": "info"}, sagemaker_session=session)
    create = ModelStep(name="CreateModel", step_args=model.create(instance_type="ml.m5.large"))
    transformer = Transformer(
        model_name=create.properties.ModelName,
        instance_type="ml.m5.large",
        instance_count=1,
        output_path=f"s3://{BUCKET}/batch/output",
        accept="application/json",
        strategy="MultiRecord",
        max_payload=6,
        sagemaker_session=session,
    )
    transform = TransformStep(
        name="Transform",
        step_args=transformer.transform(data=batch_input, content_type="application/x-image", split_type="None"),
    )
    return Pipeline(name="TrainModelTransform", parameters=[batch_input], steps=[train, create, transform], sagemaker_session=session)
