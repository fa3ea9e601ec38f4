"""Cold init of a Python Lambda handler doing the bridge's job. Prints the init time in ms.
  eager: import boto3 and create the S3 and SageMaker clients at module level (what most Python handlers do).
  lazy:  import boto3 and create the S3 client; the SageMaker client waits for its first use, as our bundle's does."""
import sys
import time

started = time.perf_counter()
import boto3  # noqa: E402

s3 = boto3.client('s3', region_name='us-east-1')
if sys.argv[1:] != ['lazy']:
    sagemaker = boto3.client('sagemaker', region_name='us-east-1')
print((time.perf_counter() - started) * 1000)
