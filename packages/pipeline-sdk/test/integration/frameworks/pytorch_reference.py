"""Ground truth for the PyTorch helpers: asks the SageMaker Python SDK (parity venv) the same questions.

stdin:  {"images": [{"region", "version", "py", "instance_type", "scope"}],
         "distributions": [{"distribution", "instance_type", "version", "py"}]}
stdout: {"images": [uri | {"error": msg}], "distributions": [hyperparameters | {"error": msg}]}
No AWS call is made: image_uris.retrieve reads bundled JSON, and PyTorch.hyperparameters() is local.
"""
import json
import logging
import os
import sys

os.environ["SAGEMAKER_SUPPRESS_V2_WARNING"] = "1"
logging.disable(logging.CRITICAL)

import boto3  # noqa: E402
from sagemaker import image_uris  # noqa: E402
from sagemaker.pytorch import PyTorch  # noqa: E402
from sagemaker.session import Session  # noqa: E402

import functools  # noqa: E402

from sagemaker import utils  # noqa: E402

# retrieve() reloads botocore's endpoint data and the framework JSON on every call; thousands of cases
# need them cached (same data, same answers).
utils._botocore_resolver = functools.lru_cache(maxsize=None)(utils._botocore_resolver)
_config_for_framework = image_uris.config_for_framework
_config_cache = {}


def _cached_config(framework):
    if framework not in _config_cache:
        _config_cache[framework] = _config_for_framework(framework)
    return _config_cache[framework]  # retrieve() only reads it


image_uris.config_for_framework = _cached_config

request = json.load(sys.stdin)
session = Session(boto_session=boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"))


def image(case):
    try:
        return image_uris.retrieve(
            "pytorch",
            case["region"],
            version=case["version"],
            py_version=case["py"],
            instance_type=case["instance_type"],
            image_scope=case["scope"],
        )
    except ValueError as error:
        return {"error": str(error)}


def distribution(case):
    try:
        estimator = PyTorch(
            entry_point="train.py",
            framework_version=case["version"],
            py_version=case["py"],
            instance_type=case["instance_type"],
            instance_count=2,
            role="arn:aws:iam::123456789012:role/x",
            distribution=case["distribution"],
            sagemaker_session=session,
        )
        return estimator.hyperparameters()
    except ValueError as error:
        return {"error": str(error)}


json.dump(
    {
        "images": [image(c) for c in request.get("images", [])],
        "distributions": [distribution(c) for c in request.get("distributions", [])],
    },
    sys.stdout,
)
