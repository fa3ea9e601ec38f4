import { pollFor } from '@sagemaker-mlops/test-services';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreatePipelineCommand, ListPipelineExecutionsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { motoClientConfig } from '@sagemaker-mlops/test-services';

export function motoClients(endpoint: string) {
  const config = motoClientConfig(endpoint);
  return { s3: new S3Client(config), sagemaker: new SageMakerClient(config) };
}

/** A bucket and a pipeline, named uniquely so test files sharing one moto never see each other's state. */
export async function lakeAndPipeline(s3: S3Client, sagemaker: SageMakerClient, name: string) {
  const suffix = `${name}-${Math.random().toString(36).slice(2, 8)}`;
  const bucket = `lake-${suffix}`;
  const pipelineName = `retrain-${suffix}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await sagemaker.send(
    new CreatePipelineCommand({
      PipelineName: pipelineName,
      RoleArn: 'arn:aws:iam::123456789012:role/sagemaker',
      PipelineDefinition: JSON.stringify({
        Version: '2020-12-01',
        Parameters: [{ Name: 'DataLakeS3Uri', Type: 'String' }],
        Steps: [],
      }),
    }),
  );
  return { bucket, pipelineName };
}

export async function executions(sagemaker: SageMakerClient, pipelineName: string) {
  const out = await sagemaker.send(new ListPipelineExecutionsCommand({ PipelineName: pipelineName, MaxResults: 100 }));
  return out.PipelineExecutionSummaries ?? [];
}

export async function keys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const all: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    all.push(...(page.Contents ?? []).map((o) => o.Key as string));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return all;
}

export async function bytesOf(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/**
 * Polls `fn` until `ok` holds, for events that arrive asynchronously (webhook deliveries, which Label Studio sends from
 * an RQ worker when it has Redis). Throws, naming `what` and the last value, when the bound passes, so a missing
 * delivery fails here and not as a confusing assertion on `undefined` further down.
 */
export async function eventually<T, S extends T = T>(
  fn: () => Promise<T>,
  ok: ((value: T) => value is S) | ((value: T) => boolean),
  what: string,
  timeoutMs = 15_000,
): Promise<S> {
  // The shared polling helper of every suite (tools/test-services); this name is kept for the existing callers.
  return pollFor(what, fn, ok as (value: T) => value is S, { timeoutMs, intervalMs: 200 });
}
