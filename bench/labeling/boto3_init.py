"""Cold init of a Python Lambda handler doing the bridge's job: import boto3 and create the S3 and SageMaker clients
(what a Python handler does at module level). Prints the init time in ms."""
import time

started = time.perf_counter()
import boto3  # noqa: E402

s3 = boto3.client('s3', region_name='us-east-1')
sagemaker = boto3.client('sagemaker', region_name='us-east-1')
print((time.perf_counter() - started) * 1000)
