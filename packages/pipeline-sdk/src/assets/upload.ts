import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { encodeHyperParameters } from '../frameworks/hyperparameters.js';
import { CodeAssetUploadError } from './errors.js';
import { packageSourceDir, type PackageSourceDirOptions } from './source-dir.js';

export interface UploadSourceDirOptions extends PackageSourceDirOptions {
  readonly bucket: string;
  /**
   * Key prefix; the object lands at `<keyPrefix>/code/<sha256>/sourcedir.tar.gz` (the Python SDK puts
   * pipeline code at `<pipeline name>/code/<hash>/sourcedir.tar.gz`). Default: no prefix.
   */
  readonly keyPrefix?: string;
  /** Default: `new S3Client({})` from the default credential chain. */
  readonly s3?: S3Client;
  /** SSE-KMS key for the object; without it the bucket's default encryption applies. */
  readonly kmsKeyId?: string;
}

/** Python's `logging.INFO`, the SDK's default `container_log_level`. */
export const DEFAULT_CONTAINER_LOG_LEVEL = 20;

export interface ScriptModeSettings {
  /** Region the job or endpoint runs in (the containers read it to build their S3 clients). */
  readonly region: string;
  /** Python logging level in the container; default 20 (INFO). */
  readonly containerLogLevel?: number;
}

/** A source folder uploaded to S3, and what the framework containers need to run it. */
export class UploadedSourceDir {
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly sha256: string,
    readonly sizeBytes: number,
    readonly entryPoint: string,
    readonly files: readonly string[],
    /** False when an object with the same content hash was already there. */
    readonly uploaded: boolean,
  ) {}

  get s3Uri(): string {
    return `s3://${this.bucket}/${this.key}`;
  }

  /**
   * Training-job hyperparameters of "script mode", JSON-encoded as the Python SDK writes them:
   * `sagemaker_program`, `sagemaker_submit_directory`, `sagemaker_container_log_level`, `sagemaker_region`
   * (and `sagemaker_job_name` when given). Merge them into `HyperParameters` of a training job or a
   * processing container's environment.
   */
  trainingHyperParameters(settings: ScriptModeSettings & { readonly jobName?: string }): Record<string, string> {
    return encodeHyperParameters({
      sagemaker_submit_directory: this.s3Uri,
      sagemaker_program: this.entryPoint,
      sagemaker_container_log_level: settings.containerLogLevel ?? DEFAULT_CONTAINER_LOG_LEVEL,
      ...(settings.jobName === undefined ? {} : { sagemaker_job_name: settings.jobName }),
      sagemaker_region: settings.region,
    });
  }

  /**
   * Model `Environment` that makes an inference container load this code from S3
   * (`SAGEMAKER_SUBMIT_DIRECTORY` = this object). Plain strings, not JSON-encoded, as the SDK writes them.
   * For code packed inside model.tar.gz under `code/`, use `scriptModeModelEnvironment` instead.
   */
  modelEnvironment(settings: ScriptModeSettings): Record<string, string> {
    return scriptModeModelEnvironment({ ...settings, entryPoint: this.entryPoint, submitDirectory: this.s3Uri });
  }
}

/**
 * Model `Environment` of script mode. `submitDirectory` defaults to `/opt/ml/model/code`: the PyTorch
 * inference images (PyTorch >= 1.2, TorchServe) load the handler from `code/` inside model.tar.gz, which
 * is where the Python SDK repacks it.
 */
export function scriptModeModelEnvironment(
  settings: ScriptModeSettings & { readonly entryPoint: string; readonly submitDirectory?: string },
): Record<string, string> {
  return {
    SAGEMAKER_PROGRAM: settings.entryPoint,
    SAGEMAKER_SUBMIT_DIRECTORY: settings.submitDirectory ?? '/opt/ml/model/code',
    SAGEMAKER_CONTAINER_LOG_LEVEL: String(settings.containerLogLevel ?? DEFAULT_CONTAINER_LOG_LEVEL),
    SAGEMAKER_REGION: settings.region,
  };
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function isPreconditionFailed(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412;
}

/**
 * Packages `sourceDir` and uploads it under a content-hash key. Unchanged code is not uploaded again
 * (HeadObject first), and a concurrent upload of the same content is harmless (`If-None-Match: *`).
 */
export async function uploadSourceDir(options: UploadSourceDirOptions): Promise<UploadedSourceDir> {
  const s3 = options.s3 ?? new S3Client({});
  const packaged = await packageSourceDir(options);
  const prefix = (options.keyPrefix ?? '').replace(/^\/+|\/+$/g, '');
  const key = `${prefix === '' ? '' : `${prefix}/`}code/${packaged.sha256}/sourcedir.tar.gz`;
  const { bucket } = options;
  const result = (uploaded: boolean) =>
    new UploadedSourceDir(
      bucket,
      key,
      packaged.sha256,
      packaged.archive.length,
      packaged.entryPoint,
      packaged.files,
      uploaded,
    );

  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return result(false);
  } catch (error) {
    if (!isNotFound(error)) throw new CodeAssetUploadError(bucket, key, 'HeadObject', error);
  }
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: packaged.archive,
        ContentType: 'application/gzip',
        IfNoneMatch: '*',
        Metadata: { sha256: packaged.sha256 },
        ...(options.kmsKeyId === undefined ? {} : { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: options.kmsKeyId }),
      }),
    );
  } catch (error) {
    if (isPreconditionFailed(error)) return result(false);
    throw new CodeAssetUploadError(bucket, key, 'PutObject', error);
  }
  return result(true);
}
