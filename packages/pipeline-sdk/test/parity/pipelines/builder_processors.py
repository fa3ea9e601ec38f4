"""ScriptProcessor and FrameworkProcessor (PyTorchProcessor) runs as the TypeScript processor builders write
them: {source, destination} inputs, default output destinations, code from S3, and the generated runproc.sh
uploaded under its content hash."""
from sagemaker.processing import FrameworkProcessor, ProcessingInput, ProcessingOutput, ScriptProcessor
from sagemaker.pytorch.estimator import PyTorch
from sagemaker.workflow.execution_variables import ExecutionVariables
from sagemaker.workflow.functions import Join
from sagemaker.workflow.parameters import ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.steps import ProcessingStep

from harness import BUCKET, ROLE

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/parity:latest"


def build(session):
    # runproc.sh would be uploaded to S3; the definition only needs its URI.
    session.upload_string_as_file_body = lambda body, bucket, key, kms_key=None: f"s3://{bucket}/{key}"
    lake = ParameterString(name="Lake", default_value=f"s3://{BUCKET}/lake")
    count = ParameterInteger(name="Count", default_value=1)
    script = ScriptProcessor(
        image_uri=IMAGE, command=["python3"], role=ROLE, instance_type="ml.m5.xlarge", instance_count=count,
        volume_size_in_gb=50, max_runtime_in_seconds=3600, env={"STAGE": "prep", "RUN": ExecutionVariables.PIPELINE_EXECUTION_ID},
        sagemaker_session=session,
    )
    prepare = ProcessingStep(
        name="Prepare",
        step_args=script.run(
            code=f"s3://{BUCKET}/code/prepare.py",
            inputs=[
                ProcessingInput(source=Join(on="/", values=[lake, "raw"]), destination="/opt/ml/processing/input/raw", input_name="raw"),
                ProcessingInput(source=f"s3://{BUCKET}/labels", destination="/opt/ml/processing/input/labels", input_name="labels",
                                s3_data_distribution_type="ShardedByS3Key", s3_input_mode="Pipe"),
            ],
            outputs=[
                ProcessingOutput(output_name="train", source="/opt/ml/processing/train"),
                ProcessingOutput(output_name="report", source="/opt/ml/processing/report", destination=f"s3://{BUCKET}/reports",
                                 s3_upload_mode="Continuous"),
            ],
            arguments=["--split", "0.8"],
        ),
    )
    framework = FrameworkProcessor(
        estimator_cls=PyTorch, framework_version="2.3.0", py_version="py311", role=ROLE,
        instance_type="ml.m5.2xlarge", instance_count=1, command=["python"], sagemaker_session=session,
    )
    evaluate = ProcessingStep(
        name="Evaluate",
        step_args=framework.run(
            code="evaluate.py",
            source_dir=f"s3://{BUCKET}/code/sourcedir.tar.gz",
            inputs=[ProcessingInput(source=prepare.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri,
                                    destination="/opt/ml/processing/train", input_name="train")],
            outputs=[ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")],
            arguments=["--metric", "accuracy"],
        ),
    )
    return Pipeline(name="BuilderProcessors", parameters=[lake, count], steps=[prepare, evaluate], sagemaker_session=session)
