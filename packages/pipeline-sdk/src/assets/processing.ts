import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CodeAssetUploadError } from './errors.js';
import { packageSourceDir } from './source-dir.js';
import type { UploadSourceDirOptions } from './upload.js';

/** Where processing code lands in the container (the Python SDK's ScriptProcessor uses the same path). */
export const PROCESSING_CODE_PATH = '/opt/ml/processing/input/code';

/** A source folder uploaded file by file for a processing job, which (unlike training) gets no tarball unpacking. */
export class UploadedProcessingCode {
  constructor(
    readonly bucket: string,
    /** Key prefix of the files, ending in `/`. */
    readonly prefix: string,
    readonly sha256: string,
    readonly entryPoint: string,
    readonly files: readonly string[],
    /** False when this content was already uploaded. */
    readonly uploaded: boolean,
  ) {}

  get s3Uri(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  /** The `ProcessingInputs` entry that mounts the code at `/opt/ml/processing/input/code`. */
  processingInput(inputName = 'code'): {
    InputName: string;
    S3Input: { S3Uri: string; LocalPath: string; S3DataType: 'S3Prefix'; S3InputMode: 'File' };
  } {
    return {
      InputName: inputName,
      S3Input: { S3Uri: this.s3Uri, LocalPath: PROCESSING_CODE_PATH, S3DataType: 'S3Prefix', S3InputMode: 'File' },
    };
  }

  /** `AppSpecification.ContainerEntrypoint` that runs the entry point with the image's Python. */
  containerEntrypoint(interpreter = 'python3'): string[] {
    return [interpreter, `${PROCESSING_CODE_PATH}/${this.entryPoint}`];
  }
}

/**
 * Uploads a source folder's files (same ignore rules and content hash as `uploadSourceDir`) under
 * `<keyPrefix>/code/<sha256>/processing/`, for a processing job to mount as an input. A manifest written
 * last marks a complete upload, so unchanged code is not uploaded again and an interrupted upload is redone.
 */
export async function uploadProcessingCode(options: UploadSourceDirOptions): Promise<UploadedProcessingCode> {
  const s3 = options.s3 ?? new S3Client({});
  const packaged = await packageSourceDir(options);
  const base = (options.keyPrefix ?? '').replace(/^\/+|\/+$/g, '');
  const root = `${base === '' ? '' : `${base}/`}code/${packaged.sha256}`;
  const prefix = `${root}/processing/`;
  const manifestKey = `${root}/processing.manifest.json`;
  const { bucket } = options;
  const result = (uploaded: boolean) =>
    new UploadedProcessingCode(bucket, prefix, packaged.sha256, packaged.entryPoint, packaged.files, uploaded);
  const encryption =
    options.kmsKeyId === undefined ? {} : { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: options.kmsKeyId };

  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: manifestKey }));
    return result(false);
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (!(e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404)) {
      throw new CodeAssetUploadError(bucket, manifestKey, 'HeadObject', error);
    }
  }
  const sourceDir = resolve(options.sourceDir);
  const queue = [...packaged.files];
  // A few uploads at a time: enough to hide latency, few enough for small machines and S3 rate limits.
  const workers = Array.from({ length: Math.min(8, queue.length) }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const key = `${prefix}${file}`;
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: await readFile(join(sourceDir, file)),
            ...encryption,
          }),
        );
      } catch (error) {
        throw new CodeAssetUploadError(bucket, key, 'PutObject', error);
      }
    }
  });
  await Promise.all(workers);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: manifestKey,
        Body: JSON.stringify({ sha256: packaged.sha256, entryPoint: packaged.entryPoint, files: packaged.files }),
        ContentType: 'application/json',
        ...encryption,
      }),
    );
  } catch (error) {
    throw new CodeAssetUploadError(bucket, manifestKey, 'PutObject', error);
  }
  return result(true);
}
