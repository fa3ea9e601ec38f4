import { S3ServiceException } from '@aws-sdk/client-s3';
import { SageMakerServiceException } from '@aws-sdk/client-sagemaker';

/** The `code` of every error local mode raises itself: the class name in SCREAMING_SNAKE_CASE without "Error". */
export type LocalModeErrorCode =
  | 'LOCAL_MODE'
  | 'LOCAL_MODE_UNSUPPORTED_COMMAND'
  | 'LOCAL_MODE_CONFIG'
  | 'EXPRESSION'
  | 'ENDPOINT_WORKER';

/**
 * Base class of errors raised by local mode itself (not the emulated AWS errors, which are the SDK's own
 * exception classes). `code` is stable across releases and survives minification, unlike `name`.
 */
export class LocalModeError extends Error {
  readonly code: LocalModeErrorCode = 'LOCAL_MODE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A command that local mode does not emulate was sent to a local client. */
export class LocalModeUnsupportedCommandError extends LocalModeError {
  override readonly code: LocalModeErrorCode = 'LOCAL_MODE_UNSUPPORTED_COMMAND';
  readonly client: string;
  readonly command: string;
  constructor(client: string, command: string) {
    super(
      `${client} in local mode does not support ${command}. ` +
        'Local mode emulates the commands listed in the @sagemaker-mlops/local README ("Local mode"); ' +
        'use a real AWS client for this command.',
    );
    this.client = client;
    this.command = command;
  }
}

/** The options given to LocalSageMaker.open are invalid. */
export class LocalModeConfigError extends LocalModeError {
  override readonly code: LocalModeErrorCode = 'LOCAL_MODE_CONFIG';
  constructor(message: string) {
    super(message);
  }
}

export interface LocalResponseMetadata {
  httpStatusCode: number;
  requestId: string;
  attempts: number;
  totalRetryDelay: number;
}

export function metadata(httpStatusCode: number): LocalResponseMetadata {
  return { httpStatusCode, requestId: randomRequestId(), attempts: 1, totalRetryDelay: 0 };
}

let counter = 0;
function randomRequestId(): string {
  counter += 1;
  return `local-${Date.now().toString(36)}-${counter.toString(36)}`;
}

/** An AWS-style SageMaker error that is not one of the modelled exception classes (e.g. ValidationException). */
export function sageMakerError(name: string, message: string, status = 400): SageMakerServiceException {
  return new SageMakerServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: metadata(status),
    message,
  });
}

export function validationException(message: string): SageMakerServiceException {
  return sageMakerError('ValidationException', message, 400);
}

/**
 * What SageMaker answers for a training, processing or transform job that does not exist: a ValidationException
 * "Requested resource not found." (not ResourceNotFound), which is also what the SDK's job waiters expect.
 */
export function missingJob(kind: 'training' | 'processing' | 'transform', name: string): SageMakerServiceException {
  return validationException(`Requested resource not found. (There is no ${kind} job named "${name}".)`);
}

export function s3Error(name: string, message: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: metadata(status),
    message,
  });
}
