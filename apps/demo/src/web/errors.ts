import type { ErrorCode, Stage } from './contract.js';

/** Base class of every error the web front-end turns into an HTTP answer. */
export class WebFrontEndError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly httpStatus: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnsupportedImageError extends WebFrontEndError {
  constructor(
    readonly fileName: string,
    readonly detectedType: string,
  ) {
    super(
      `${fileName} is not a PNG or JPEG image (it looks like ${detectedType}). Upload a .png or .jpg file.`,
      'UNSUPPORTED_MEDIA_TYPE',
      415,
    );
  }
}

export class ImageTooLargeError extends WebFrontEndError {
  constructor(
    readonly fileName: string,
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `${fileName} is ${formatBytes(sizeBytes)}; the endpoint accepts at most ${formatBytes(maxBytes)}. Resize or compress it.`,
      'IMAGE_TOO_LARGE',
      413,
    );
  }
}

export class EmptyUploadError extends WebFrontEndError {
  constructor(readonly fileName: string) {
    super(`${fileName} is empty: the upload carried no bytes.`, 'EMPTY_UPLOAD', 400);
  }
}

export class UnknownStageError extends WebFrontEndError {
  constructor(readonly stage: string) {
    super(`Unknown stage "${stage}": use "auto", "staging" or "prod".`, 'UNKNOWN_STAGE', 400);
  }
}

/** The endpoint does not exist, is not in service, or does not answer. */
export class EndpointUnavailableError extends WebFrontEndError {
  constructor(
    message: string,
    readonly stage: Stage | undefined,
    readonly endpointName: string | undefined,
    override readonly cause?: unknown,
  ) {
    super(message, 'ENDPOINT_UNAVAILABLE', 503);
  }
}

/** The endpoint answered, but the model rejected the input or failed. */
export class ModelInvocationError extends WebFrontEndError {
  constructor(
    message: string,
    readonly stage: Stage,
    readonly endpointName: string,
    override readonly cause?: unknown,
  ) {
    super(message, 'MODEL_ERROR', 502);
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The models page is not available here (e.g. the Lambda front-end, which has no registry permissions). */
export class ModelReviewUnavailableError extends WebFrontEndError {
  constructor() {
    super(
      'Model review is not available on this server: run `npm run demo -- web` for the models page.',
      'REVIEW_UNAVAILABLE',
      404,
    );
  }
}

export class ModelVersionNotFoundError extends WebFrontEndError {
  constructor(
    readonly groupName: string,
    readonly version: number | string,
  ) {
    super(`Model package group "${groupName}" has no version ${version}.`, 'MODEL_NOT_FOUND', 404);
  }
}

export class ReportImageNotFoundError extends WebFrontEndError {
  constructor(readonly path: string) {
    super(`No report image ${path}.`, 'NOT_FOUND', 404);
  }
}

/** The request breaks a deployment rule (not approved, not yet on staging, a deployment running). */
export class DeploymentRuleError extends WebFrontEndError {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message, 'CONFLICT', 409);
  }
}

/** A write came without a JSON body (also what keeps plain cross-site form posts out). */
export class JsonBodyRequiredError extends WebFrontEndError {
  constructor(readonly contentType: string | undefined) {
    super(
      `Send the request body as application/json (got ${contentType ? `"${contentType}"` : 'no content type'}).`,
      'UNSUPPORTED_MEDIA_TYPE',
      415,
    );
  }
}
