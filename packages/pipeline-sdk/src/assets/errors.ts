import { PipelineSdkError, type PipelineSdkErrorCode } from '../errors.js';

/** Errors of code-asset packaging and upload. */
export class CodeAssetError extends PipelineSdkError {
  override readonly code: PipelineSdkErrorCode = 'CODE_ASSET';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CodeAssetError';
  }
}

/** The source folder or entry point is missing, unreadable or excluded by an ignore pattern. */
export class SourceDirError extends CodeAssetError {
  override readonly code: PipelineSdkErrorCode = 'SOURCE_DIR';
  constructor(
    readonly sourceDir: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`source folder ${sourceDir}: ${message}`, options);
    this.name = 'SourceDirError';
  }
}

/** S3 refused the existence check or the upload. */
export class CodeAssetUploadError extends CodeAssetError {
  override readonly code: PipelineSdkErrorCode = 'CODE_ASSET_UPLOAD';
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly operation: 'HeadObject' | 'PutObject',
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`${operation} s3://${bucket}/${key} failed (${reason})`, { cause });
    this.name = 'CodeAssetUploadError';
  }
}
