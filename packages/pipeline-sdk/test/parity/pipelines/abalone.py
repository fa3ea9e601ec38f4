"""The MLOps project template's abalone pipeline (model build seed code), offline variant:
code is referenced by S3 URI instead of uploaded, everything else as in the template."""
from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput
from sagemaker.model_metrics import MetricsSource, ModelMetrics
from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from sagemaker.sklearn.processing import SKLearnProcessor
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionLessThanOrEqualTo
from sagemaker.workflow.functions import Join, JsonGet
from sagemaker.workflow.parameters import ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.step_collections import RegisterModel
from sagemaker.workflow.steps import ProcessingStep, TrainingStep
import sagemaker

from harness import BUCKET, REGION, ROLE


def build(session):
    base_job_prefix = "Abalone"
    processing_instance_count = ParameterInteger(name="ProcessingInstanceCount", default_value=1)
    processing_instance_type = ParameterString(name="ProcessingInstanceType", default_value="ml.m5.xlarge")
    training_instance_type = ParameterString(name="TrainingInstanceType", default_value="ml.m5.xlarge")
    model_approval_status = ParameterString(name="ModelApprovalStatus", default_value="PendingManualApproval")
    input_data = ParameterString(
        name="InputDataUrl",
        default_value=f"s3://sagemaker-servicecatalog-seedcode-{REGION}/dataset/abalone-dataset.csv",
    )

    sklearn_processor = SKLearnProcessor(
        framework_version="0.23-1",
        instance_type=processing_instance_type,
        instance_count=processing_instance_count,
        base_job_name=f"{base_job_prefix}/sklearn-abalone-preprocess",
        sagemaker_session=session,
        role=ROLE,
    )
    step_process = ProcessingStep(
        name="PreprocessAbaloneData",
        step_args=sklearn_processor.run(
            outputs=[
                ProcessingOutput(output_name="train", source="/opt/ml/processing/train"),
                ProcessingOutput(output_name="validation", source="/opt/ml/processing/validation"),
                ProcessingOutput(output_name="test", source="/opt/ml/processing/test"),
            ],
            code=f"s3://{BUCKET}/code/abalone/preprocess.py",
            arguments=["--input-data", input_data],
        ),
    )

    model_path = f"s3://{BUCKET}/{base_job_prefix}/AbaloneTrain"
    image_uri = sagemaker.image_uris.retrieve(
        framework="xgboost", region=REGION, version="1.0-1", py_version="py3", instance_type="ml.m5.xlarge"
    )
    xgb_train = Estimator(
        image_uri=image_uri,
        instance_type=training_instance_type,
        instance_count=1,
        output_path=model_path,
        base_job_name=f"{base_job_prefix}/abalone-train",
        sagemaker_session=session,
        role=ROLE,
    )
    xgb_train.set_hyperparameters(
        objective="reg:linear", num_round=50, max_depth=5, eta=0.2, gamma=4, min_child_weight=6, subsample=0.7, silent=0
    )
    step_train = TrainingStep(
        name="TrainAbaloneModel",
        step_args=xgb_train.fit(
            inputs={
                "train": TrainingInput(
                    s3_data=step_process.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri,
                    content_type="text/csv",
                ),
                "validation": TrainingInput(
                    s3_data=step_process.properties.ProcessingOutputConfig.Outputs["validation"].S3Output.S3Uri,
                    content_type="text/csv",
                ),
            },
        ),
    )

    script_eval = ScriptProcessor(
        image_uri=image_uri,
        command=["python3"],
        instance_type=processing_instance_type,
        instance_count=1,
        base_job_name=f"{base_job_prefix}/script-abalone-eval",
        sagemaker_session=session,
        role=ROLE,
    )
    evaluation_report = PropertyFile(name="AbaloneEvaluationReport", output_name="evaluation", path="evaluation.json")
    step_eval = ProcessingStep(
        name="EvaluateAbaloneModel",
        step_args=script_eval.run(
            inputs=[
                ProcessingInput(
                    source=step_train.properties.ModelArtifacts.S3ModelArtifacts,
                    destination="/opt/ml/processing/model",
                ),
                ProcessingInput(
                    source=step_process.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri,
                    destination="/opt/ml/processing/test",
                ),
            ],
            outputs=[ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")],
            code=f"s3://{BUCKET}/code/abalone/evaluate.py",
        ),
        property_files=[evaluation_report],
    )

    model_metrics = ModelMetrics(
        model_statistics=MetricsSource(
            # The template formats step_eval.arguments[...] here, which renders the arguments outside the
            # pipeline context and bakes a timestamped job name into the URI; the property reference is
            # the deterministic equivalent.
            s3_uri=Join(
                on="/",
                values=[step_eval.properties.ProcessingOutputConfig.Outputs["evaluation"].S3Output.S3Uri, "evaluation.json"],
            ),
            content_type="application/json",
        )
    )
    step_register = RegisterModel(
        name="RegisterAbaloneModel",
        estimator=xgb_train,
        model_data=step_train.properties.ModelArtifacts.S3ModelArtifacts,
        content_types=["text/csv"],
        response_types=["text/csv"],
        inference_instances=["ml.t2.medium", "ml.m5.large"],
        transform_instances=["ml.m5.large"],
        model_package_group_name="AbalonePackageGroup",
        approval_status=model_approval_status,
        model_metrics=model_metrics,
    )
    cond_lte = ConditionLessThanOrEqualTo(
        left=JsonGet(step_name=step_eval.name, property_file=evaluation_report, json_path="regression_metrics.mse.value"),
        right=6.0,
    )
    step_cond = ConditionStep(name="CheckMSEAbaloneEvaluation", conditions=[cond_lte], if_steps=[step_register], else_steps=[])

    return Pipeline(
        name="AbalonePipeline",
        parameters=[processing_instance_type, processing_instance_count, training_instance_type, model_approval_status, input_data],
        steps=[step_process, step_train, step_eval, step_cond],
        sagemaker_session=session,
    )
