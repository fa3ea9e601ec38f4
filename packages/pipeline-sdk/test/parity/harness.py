"""Offline SageMaker Python SDK session for the parity suite.

The reference pipelines only compile definitions, so the session must never reach AWS:
a fixed region, dummy credentials, a preset default bucket and S3 URIs for all code.
"""
import os
import warnings

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "parity")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "parity")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# Any accidental AWS call must fail fast instead of hanging on retries.
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
os.environ.setdefault("AWS_MAX_ATTEMPTS", "1")
warnings.filterwarnings("ignore")

import logging  # noqa: E402

logging.getLogger("sagemaker").setLevel(logging.ERROR)
logging.getLogger("sagemaker.config").setLevel(logging.ERROR)

import boto3  # noqa: E402
import sagemaker.telemetry.telemetry_logging as _telemetry  # noqa: E402
from sagemaker.workflow.pipeline_context import PipelineSession  # noqa: E402

# Telemetry would issue an STS call and an HTTPS request per job call; it does not affect definitions.
# (Opting out through sagemaker_config instead makes every config lookup re-validate the config
# against its JSON schema, about a second each.)
_telemetry._send_telemetry_request = lambda *args, **kwargs: None

REGION = "us-east-1"
BUCKET = "parity-bucket"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


_boto_session = None


def session() -> PipelineSession:
    global _boto_session
    # One boto3 session for all pipelines: each new one would parse botocore's large SageMaker model again.
    if _boto_session is None:
        _boto_session = boto3.Session(region_name=REGION, aws_access_key_id="parity", aws_secret_access_key="parity")
    sess = PipelineSession(
        boto_session=_boto_session,
        default_bucket=BUCKET,
    )
    # default_bucket() would otherwise call STS/S3 to check or create the bucket.
    sess._default_bucket = BUCKET
    return sess
