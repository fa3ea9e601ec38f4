"""Small builders shared by the reference pipelines (plain SDK calls, nothing parity-specific)."""
from sagemaker.estimator import Estimator
from sagemaker.processing import ProcessingOutput, ScriptProcessor

from harness import BUCKET, ROLE

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/parity:latest"


def script_step_args(session, code, instance_type="ml.m5.large", outputs=(), inputs=None, env=None, arguments=None):
    processor = ScriptProcessor(
        image_uri=IMAGE, command=["python3"], instance_type=instance_type, instance_count=1,
        env=env, sagemaker_session=session, role=ROLE,
    )
    return processor.run(
        inputs=inputs,
        outputs=[ProcessingOutput(output_name=name, source=f"/opt/ml/processing/{name}") for name in outputs],
        code=f"s3://{BUCKET}/code/{code}",
        arguments=arguments,
    )


def estimator(session, **kwargs):
    return Estimator(
        image_uri=IMAGE, role=ROLE, instance_type="ml.m5.xlarge", instance_count=1,
        output_path=f"s3://{BUCKET}/models", sagemaker_session=session, **kwargs,
    )
