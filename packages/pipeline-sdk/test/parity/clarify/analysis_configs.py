"""Prints, as one JSON line, the analysis_config.json text and upload URI the SageMaker Python SDK's DATA_BIAS
ClarifyCheckStep generates for each case below (the upload is captured, not made)."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import boto3.s3.inject  # noqa: E402
from harness import BUCKET, ROLE  # noqa: E402
from harness import session as make_session
from sagemaker.clarify import BiasConfig, DataConfig  # noqa: E402
from sagemaker.workflow.check_job_config import CheckJobConfig  # noqa: E402
from sagemaker.workflow.clarify_check_step import ClarifyCheckStep, DataBiasCheckConfig  # noqa: E402

CASES = {
    "csv_label_index": dict(
        data=dict(
            s3_data_input_path=f"s3://{BUCKET}/data/train.csv",
            s3_output_path=f"s3://{BUCKET}/checks/bias",
            label=0,
            dataset_type="text/csv",
        ),
        bias=dict(label_values_or_threshold=[1], facet_name=[8]),
        methods="all",
    ),
    "csv_headers_facets_group": dict(
        data=dict(
            s3_data_input_path=f"s3://{BUCKET}/data/train.csv",
            s3_output_path=f"s3://{BUCKET}/checks/bias/",
            s3_analysis_config_output_path=f"s3://{BUCKET}/configs",
            label="target",
            headers=["target", "age", "sex", "income", "région"],
            dataset_type="text/csv",
            excluded_columns=["income"],
            joinsource="id",
        ),
        bias=dict(
            label_values_or_threshold=[1, 2],
            facet_name=["age", "sex"],
            facet_values_or_threshold=[[40], ["F"]],
            group_name="income",
        ),
        methods=["CI", "DPL"],
    ),
    "jsonlines_single_facet_threshold": dict(
        data=dict(
            s3_data_input_path=f"s3://{BUCKET}/data/train.jsonl",
            s3_output_path=f"s3://{BUCKET}/out",
            label="label",
            features="features",
            dataset_type="application/jsonlines",
        ),
        bias=dict(label_values_or_threshold=0.5, facet_name="age", facet_values_or_threshold=[30.5]),
        methods="all",
    ),
}


def main():
    captured = {}

    # The SDK's own upload path runs down to boto3's Object.upload_file, which records the file instead of
    # sending it, so the URI is the one the SDK really writes to.
    def record_upload(obj, Filename, ExtraArgs=None, Callback=None, Config=None):
        with open(Filename) as f:
            captured["text"] = f.read()
        captured["uri"] = f"s3://{obj.bucket_name}/{obj.key}"

    boto3.s3.inject.object_upload_file = record_upload
    session = make_session()
    session.upload_string_as_file_body = lambda body, bucket, key, kms_key=None: f"s3://{bucket}/{key}"
    job = CheckJobConfig(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", sagemaker_session=session)
    out = {}
    for name, case in CASES.items():
        ClarifyCheckStep(
            name="Bias",
            clarify_check_config=DataBiasCheckConfig(
                data_config=DataConfig(**case["data"]),
                data_bias_config=BiasConfig(**case["bias"]),
                methods=case["methods"],
            ),
            check_job_config=job,
            skip_check=False,
            register_new_baseline=False,
        )
        out[name] = dict(captured)
    sys.stdout.write("\n" + json.dumps(out) + "\n")


main()
