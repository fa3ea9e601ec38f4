import { createHash } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CodeAssetUploadError } from '../assets/errors.js';
import { ExecutionVariables, Join } from '../core/expressions.js';
import { FrameworkConfigError } from './errors.js';

/** A file a job builder generated (FrameworkProcessor's runproc.sh) that must be in S3 before the pipeline runs. */
export interface GeneratedAsset {
  readonly bucket: string;
  readonly key: string;
  readonly body: string;
  readonly s3Uri: string;
  /** Default `text/x-shellscript`. */
  readonly contentType?: string;
}

export interface PipelineSessionOptions {
  /** The pipeline the builders' steps belong to: default output locations and code keys start with it. */
  readonly pipelineName: string;
  /** Bucket for default outputs and generated code (the Python SDK's `default_bucket`). */
  readonly defaultBucket: string;
  /** Key prefix inside the bucket (the Python SDK's `default_bucket_prefix`). */
  readonly defaultBucketPrefix?: string;
  readonly region: string;
}

/**
 * What the Python SDK's `PipelineSession` gives its Processors and Estimators: the pipeline name, the default
 * bucket and the region. Builders record the files they generate here; `uploadAssets` puts them in S3.
 */
export class PipelineSession {
  readonly pipelineName: string;
  readonly defaultBucket: string;
  readonly defaultBucketPrefix: string | undefined;
  readonly region: string;
  readonly #assets = new Map<string, GeneratedAsset>();
  /** S3 URIs of assets whose key is their content hash: present in S3 means equal. */
  readonly #contentAddressed = new Set<string>();

  constructor(options: PipelineSessionOptions) {
    for (const key of ['pipelineName', 'defaultBucket', 'region'] as const) {
      if (typeof options[key] !== 'string' || options[key].length === 0) {
        throw new FrameworkConfigError(`PipelineSession needs a non-empty ${key}`);
      }
    }
    this.pipelineName = options.pipelineName;
    this.defaultBucket = options.defaultBucket;
    this.defaultBucketPrefix = options.defaultBucketPrefix?.replace(/^\/+|\/+$/g, '') || undefined;
    this.region = options.region;
  }

  /** The Python SDK's default output URI of a step: `s3://<bucket>/[prefix/]<pipeline>/<execution id>/<step>/output/<name>`. */
  defaultOutputUri(stepName: string, outputName: string): Join {
    const values = ['s3:/', this.defaultBucket];
    if (this.defaultBucketPrefix) values.push(this.defaultBucketPrefix);
    return new Join({
      on: '/',
      values: [...values, this.pipelineName, ExecutionVariables.PIPELINE_EXECUTION_ID, stepName, 'output', outputName],
    });
  }

  /**
   * Records a generated text file under `<prefix>/<pipeline>/code/<sha256 of the text>/<fileName>`, as the Python
   * SDK names pipeline code, and returns its S3 URI.
   */
  addCodeAsset(fileName: string, body: string): string {
    const hash = createHash('sha256').update(body, 'utf8').digest('hex');
    const parts = [this.defaultBucketPrefix, this.pipelineName, 'code', hash, fileName].filter(
      (p): p is string => p !== undefined,
    );
    const key = parts.join('/');
    const s3Uri = `s3://${this.defaultBucket}/${key}`;
    this.#assets.set(s3Uri, { bucket: this.defaultBucket, key, body, s3Uri });
    this.#contentAddressed.add(s3Uri);
    return s3Uri;
  }

  /**
   * Records a file a step reads from a given S3 URI (a NotebookJobStep's notebook and initialisation script, a
   * Clarify check's analysis_config.json), to upload there with the other assets, as the Python SDK uploads them
   * when the step is built. Such a file is uploaded on every `uploadAssets()`: its key is not its content hash.
   */
  addInputFile(s3Uri: string, body: string, contentType?: string): string {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(s3Uri);
    if (match === null) throw new FrameworkConfigError(`'${s3Uri}' is not an S3 object URI (s3://bucket/key)`);
    const [, bucket, key] = match as unknown as [string, string, string];
    this.#assets.set(s3Uri, { bucket, key, body, s3Uri, ...(contentType === undefined ? {} : { contentType }) });
    return s3Uri;
  }

  /** Files generated so far, to upload before the pipeline starts. */
  get assets(): readonly GeneratedAsset[] {
    return [...this.#assets.values()];
  }

  /** Uploads the recorded files: content-hashed code only when it is not in S3 yet, the others every time. */
  async uploadAssets(options: { s3?: S3Client; kmsKeyId?: string } = {}): Promise<GeneratedAsset[]> {
    const s3 = options.s3 ?? new S3Client({ region: this.region });
    const uploaded: GeneratedAsset[] = [];
    for (const asset of this.#assets.values()) {
      if (this.#contentAddressed.has(asset.s3Uri)) {
        try {
          await s3.send(new HeadObjectCommand({ Bucket: asset.bucket, Key: asset.key }));
          continue;
        } catch (error) {
          const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
          if (!(e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404)) {
            throw new CodeAssetUploadError(asset.bucket, asset.key, 'HeadObject', error);
          }
        }
      }
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: asset.bucket,
            Key: asset.key,
            Body: asset.body,
            ContentType: asset.contentType ?? 'text/x-shellscript',
            ...(options.kmsKeyId === undefined
              ? {}
              : { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: options.kmsKeyId }),
          }),
        );
      } catch (error) {
        throw new CodeAssetUploadError(asset.bucket, asset.key, 'PutObject', error);
      }
      uploaded.push(asset);
    }
    return uploaded;
  }
}
