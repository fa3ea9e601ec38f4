"""Lambda step with typed outputs feeding a Callback step, both cached; a processing step reads
outputs of both."""
from sagemaker.lambda_helper import Lambda
from sagemaker.workflow.callback_step import CallbackOutput, CallbackOutputTypeEnum, CallbackStep
from sagemaker.workflow.lambda_step import LambdaOutput, LambdaOutputTypeEnum, LambdaStep
from sagemaker.workflow.parameters import ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.steps import CacheConfig, ProcessingStep

from _common import script_step_args


def build(session):
    dataset = ParameterString(name="Dataset", default_value="fashion-mnist")
    lam = LambdaStep(
        name="CountLabels",
        lambda_func=Lambda(function_arn="arn:aws:lambda:us-east-1:123456789012:function:count-labels", session=session),
        inputs={"dataset": dataset, "threshold": 100, "nested": {"a": [1, 2]}},
        outputs=[
            LambdaOutput(output_name="count", output_type=LambdaOutputTypeEnum.Integer),
            LambdaOutput(output_name="ready", output_type=LambdaOutputTypeEnum.Boolean),
            LambdaOutput(output_name="prefix"),
        ],
        cache_config=CacheConfig(enable_caching=True, expire_after="PT12H"),
        description="counts annotated images",
    )
    cb = CallbackStep(
        name="WaitForApproval",
        sqs_queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
        inputs={"prefix": lam.properties.Outputs["prefix"], "count": lam.properties.Outputs["count"]},
        outputs=[
            CallbackOutput(output_name="approved", output_type=CallbackOutputTypeEnum.Boolean),
            CallbackOutput(output_name="score", output_type=CallbackOutputTypeEnum.Float),
        ],
        cache_config=CacheConfig(enable_caching=False),
    )
    use = ProcessingStep(
        name="Use",
        step_args=script_step_args(
            session, "use.py",
            env={"PREFIX": lam.properties.Outputs["prefix"], "APPROVED": cb.properties.Outputs["approved"].to_string()},
        ),
    )
    return Pipeline(name="LambdaAndCallback", parameters=[dataset], steps=[lam, cb, use], sagemaker_session=session)
