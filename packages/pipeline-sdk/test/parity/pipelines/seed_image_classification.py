"""The seed's pipeline: preprocess (raw zip + annotated images) -> train (PyTorch DDP on spot) ->
evaluate (evaluation.json as a property file) -> condition (accuracy >= gate) -> register, else fail."""
from sagemaker.inputs import TrainingInput
from sagemaker.model import Model
from sagemaker.model_metrics import MetricsSource, ModelMetrics
from sagemaker.processing import ProcessingInput, ProcessingOutput
from sagemaker.pytorch import PyTorch
from sagemaker.pytorch.processing import PyTorchProcessor
from sagemaker.processing import ScriptProcessor
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import Join, JsonGet
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.steps import ProcessingStep, TrainingStep
from sagemaker import image_uris

from harness import BUCKET, REGION, ROLE

TRAIN_IMAGE = image_uris.retrieve("pytorch", REGION, version="2.3", py_version="py311", instance_type="ml.g4dn.12xlarge", image_scope="training")
CPU_IMAGE = image_uris.retrieve("pytorch", REGION, version="2.3", py_version="py311", instance_type="ml.m5.xlarge", image_scope="training")
INFER_IMAGE = image_uris.retrieve("pytorch", REGION, version="2.3", py_version="py311", instance_type="ml.m5.xlarge", image_scope="inference")


def build(session):
    dataset_zip = ParameterString(name="DatasetZipUri", default_value=f"s3://{BUCKET}/raw/fashion-mnist.zip")
    annotated = ParameterString(name="AnnotatedPrefix", default_value=f"s3://{BUCKET}/annotated/")
    model_name = ParameterString(name="ModelName", default_value="resnet34", enum_values=["resnet18", "resnet26", "resnet34"])
    batch_size = ParameterInteger(name="BatchSize", default_value=64)
    optimizer = ParameterString(name="Optimizer", default_value="SGD", enum_values=["SGD", "Adam"])
    learning_rate = ParameterFloat(name="LearningRate", default_value=0.0018308341419607547)
    accuracy_gate = ParameterFloat(name="AccuracyGate", default_value=0.735)
    approval = ParameterString(name="ModelApprovalStatus", default_value="PendingManualApproval")

    preprocess = ScriptProcessor(
        image_uri=CPU_IMAGE, command=["python3"], instance_type="ml.m5.xlarge", instance_count=1,
        base_job_name="seed-preprocess", sagemaker_session=session, role=ROLE,
    )
    step_pre = ProcessingStep(
        name="Preprocess",
        step_args=preprocess.run(
            inputs=[
                ProcessingInput(source=dataset_zip, destination="/opt/ml/processing/input/raw", input_name="raw"),
                ProcessingInput(source=annotated, destination="/opt/ml/processing/input/annotated", input_name="annotated"),
            ],
            outputs=[
                ProcessingOutput(output_name="train", source="/opt/ml/processing/output/train"),
                ProcessingOutput(output_name="test", source="/opt/ml/processing/output/test"),
            ],
            code=f"s3://{BUCKET}/code/preprocess.py",
        ),
    )

    estimator = PyTorch(
        entry_point="train.py",
        source_dir=f"s3://{BUCKET}/code/train/sourcedir.tar.gz",
        image_uri=TRAIN_IMAGE,
        role=ROLE,
        instance_type="ml.g4dn.12xlarge",
        instance_count=1,
        use_spot_instances=True,
        max_run=3 * 3600,
        max_wait=4 * 3600,
        checkpoint_s3_uri=f"s3://{BUCKET}/checkpoints/seed",
        output_path=f"s3://{BUCKET}/models",
        base_job_name="seed-train",
        distribution={"pytorchddp": {"enabled": True, "custom_mpi_options": "-verbose -x NCCL_DEBUG=VERSION"}},
        hyperparameters={"model-name": model_name, "batch-size": batch_size, "optimizer": optimizer, "learning-rate": learning_rate, "epochs": 10},
        metric_definitions=[
            {"Name": "train:loss", "Regex": "train_loss=([0-9.]+)"},
            {"Name": "validation:accuracy", "Regex": "val_acc=([0-9.]+)"},
        ],
        sagemaker_session=session,
    )
    step_train = TrainingStep(
        name="Train",
        step_args=estimator.fit(
            inputs={
                "train": TrainingInput(s3_data=step_pre.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri),
                "test": TrainingInput(s3_data=step_pre.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri),
            }
        ),
    )

    evaluate = ScriptProcessor(
        image_uri=CPU_IMAGE, command=["python3"], instance_type="ml.m5.xlarge", instance_count=1,
        base_job_name="seed-evaluate", sagemaker_session=session, role=ROLE,
    )
    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    step_eval = ProcessingStep(
        name="Evaluate",
        step_args=evaluate.run(
            inputs=[
                ProcessingInput(source=step_train.properties.ModelArtifacts.S3ModelArtifacts, destination="/opt/ml/processing/model", input_name="model"),
                ProcessingInput(source=step_pre.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri, destination="/opt/ml/processing/test", input_name="test"),
            ],
            outputs=[
                ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation"),
                ProcessingOutput(output_name="drift", source="/opt/ml/processing/drift"),
                ProcessingOutput(output_name="explanation", source="/opt/ml/processing/explanation"),
                ProcessingOutput(output_name="robustness", source="/opt/ml/processing/robustness"),
            ],
            code=f"s3://{BUCKET}/code/evaluate.py",
        ),
        property_files=[report],
    )

    model = Model(
        image_uri=INFER_IMAGE,
        model_data=step_train.properties.ModelArtifacts.S3ModelArtifacts,
        role=ROLE,
        sagemaker_session=session,
    )
    step_register = ModelStep(
        name="RegisterModel",
        step_args=model.register(
            content_types=["application/x-image", "image/jpeg", "image/png"],
            response_types=["application/json"],
            inference_instances=["ml.m5.large"],
            transform_instances=["ml.m5.large"],
            model_package_group_name="SeedImageClassifier",
            approval_status=approval,
            model_metrics=ModelMetrics(
                model_statistics=MetricsSource(
                    s3_uri=Join(on="/", values=[step_eval.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri, "evaluation.json"]),
                    content_type="application/json",
                )
            ),
        ),
    )
    accuracy = JsonGet(step_name=step_eval.name, property_file=report, json_path="metrics.accuracy.value")
    step_fail = FailStep(
        name="AccuracyBelowGate",
        error_message=Join(on=" ", values=["Accuracy", accuracy, "is below the gate", accuracy_gate]),
    )
    step_cond = ConditionStep(
        name="CheckAccuracy",
        conditions=[ConditionGreaterThanOrEqualTo(left=accuracy, right=accuracy_gate)],
        if_steps=[step_register],
        else_steps=[step_fail],
    )
    return Pipeline(
        name="SeedImageClassification",
        parameters=[dataset_zip, annotated, model_name, batch_size, optimizer, learning_rate, accuracy_gate, approval],
        steps=[step_pre, step_train, step_eval, step_cond],
        sagemaker_session=session,
    )
