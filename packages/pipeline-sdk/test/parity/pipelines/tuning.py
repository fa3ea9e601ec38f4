"""Hyperparameter tuning step, then a model created from the best training job's artifacts."""
from sagemaker.inputs import TrainingInput
from sagemaker.model import Model
from sagemaker.parameter import CategoricalParameter, ContinuousParameter, IntegerParameter
from sagemaker.tuner import HyperparameterTuner
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterInteger
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.steps import TuningStep

from _common import IMAGE, estimator
from harness import BUCKET, ROLE


def build(session):
    max_jobs = ParameterInteger(name="MaxJobs", default_value=6)
    est = estimator(session)
    est.set_hyperparameters(epochs=5)
    tuner = HyperparameterTuner(
        estimator=est,
        objective_metric_name="validation:accuracy",
        objective_type="Maximize",
        metric_definitions=[{"Name": "validation:accuracy", "Regex": "val_acc=([0-9.]+)"}],
        hyperparameter_ranges={
            "lr": ContinuousParameter(1e-4, 1e-2, scaling_type="Logarithmic"),
            "batch-size": IntegerParameter(16, 128),
            "optimizer": CategoricalParameter(["sgd", "adam"]),
        },
        max_jobs=max_jobs,
        max_parallel_jobs=2,
        strategy="Bayesian",
    )
    tune = TuningStep(
        name="Tune",
        step_args=tuner.fit(inputs={"train": TrainingInput(s3_data=f"s3://{BUCKET}/data/train")}),
    )
    model = Model(image_uri=IMAGE, model_data=tune.get_top_model_s3_uri(top_k=0, s3_bucket=BUCKET, prefix="models"), role=ROLE, sagemaker_session=session)
    create = ModelStep(name="BestModel", step_args=model.create(instance_type="ml.m5.large"))
    return Pipeline(name="Tuning", parameters=[max_jobs], steps=[tune, create], sagemaker_session=session)
