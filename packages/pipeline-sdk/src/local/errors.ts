import { S3ServiceException } from '@aws-sdk/client-s3';
import { SageMakerServiceException } from '@aws-sdk/client-sagemaker';
import { PipelineSdkError, type PipelineSdkErrorCode } from '../errors.js';

/** Base class of errors raised by local mode itself (not emulated AWS errors). */
export class LocalModeError extends PipelineSdkError {
  override readonly code: PipelineSdkErrorCode = 'LOCAL_MODE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalModeError';
  }
}

/** A command that local mode does not emulate was sent to a local client. */
export class LocalModeUnsupportedCommandError extends LocalModeError {
  override readonly code: PipelineSdkErrorCode = 'LOCAL_MODE_UNSUPPORTED_COMMAND';
  readonly client: string;
  readonly command: string;
  constructor(client: string, command: string) {
    super(
      `${client} in local mode does not support ${command}. ` +
        'Local mode emulates the commands listed in the @sagemaker-mlops/pipeline-sdk README ("Local mode"); ' +
        'use a real AWS client for this command.',
    );
    this.name = 'LocalModeUnsupportedCommandError';
    this.client = client;
    this.command = command;
  }
}

/** The options given to LocalSageMaker.open are invalid. */
export class LocalModeConfigError extends LocalModeError {
  override readonly code: PipelineSdkErrorCode = 'LOCAL_MODE_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'LocalModeConfigError';
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

export function s3Error(name: string, message: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: metadata(status),
    message,
  });
}
