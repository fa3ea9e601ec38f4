import { PipelineSdkError, type PipelineSdkErrorCode } from '../errors.js';

/** Errors of the pipeline lifecycle (upsert, start, wait, stop, list). */
export class LifecycleError extends PipelineSdkError {
  override readonly code: PipelineSdkErrorCode = 'LIFECYCLE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LifecycleError';
  }
}

export interface ParameterProblem {
  /** Parameter name as given to `start`. */
  readonly name: string;
  readonly message: string;
}

/** Values given to `start` that do not fit the pipeline's declared parameters. All problems at once. */
export class PipelineParameterError extends LifecycleError {
  override readonly code: PipelineSdkErrorCode = 'PIPELINE_PARAMETER';
  constructor(
    readonly pipelineName: string,
    readonly problems: readonly ParameterProblem[],
  ) {
    super(
      `pipeline '${pipelineName}': ${problems.length} invalid parameter value${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `- ${p.name}: ${p.message}`).join('\n'),
    );
    this.name = 'PipelineParameterError';
  }
}

/** Definition over the inline limit and no S3 location configured to put it. */
export class PipelineDefinitionTooLargeError extends LifecycleError {
  override readonly code: PipelineSdkErrorCode = 'PIPELINE_DEFINITION_TOO_LARGE';
  constructor(
    readonly pipelineName: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `pipeline '${pipelineName}': the definition is ${sizeBytes} bytes, over the ${limitBytes}-byte inline limit; ` +
        'pass `definitionBucket` (and an `s3` client) to PipelineRunner so it goes to S3 as PipelineDefinitionS3Location',
    );
    this.name = 'PipelineDefinitionTooLargeError';
  }
}

/** DescribePipeline / StartPipelineExecution on a pipeline that does not exist (call `upsert` first). */
export class PipelineNotFoundError extends LifecycleError {
  override readonly code: PipelineSdkErrorCode = 'PIPELINE_NOT_FOUND';
  constructor(
    readonly pipelineName: string,
    options?: ErrorOptions,
  ) {
    super(`pipeline '${pipelineName}' does not exist: create it with upsert() first`, options);
    this.name = 'PipelineNotFoundError';
  }
}

/** `selectedSteps` names steps the pipeline lacks, or there is no earlier execution to take outputs from. */
export class SelectiveExecutionError extends LifecycleError {
  override readonly code: PipelineSdkErrorCode = 'SELECTIVE_EXECUTION';
  constructor(
    readonly pipelineName: string,
    message: string,
  ) {
    super(`pipeline '${pipelineName}': selective execution: ${message}`);
    this.name = 'SelectiveExecutionError';
  }
}

export interface FailedStep {
  readonly stepName: string;
  readonly status: string;
  /** SageMaker's reason; absent when it gave none. */
  readonly failureReason?: string;
}

/** The execution ended Failed or Stopped. Carries the reason of each failed step when they could be listed. */
export class PipelineExecutionFailedError extends LifecycleError {
  override readonly code: PipelineSdkErrorCode = 'PIPELINE_EXECUTION_FAILED';
  constructor(
    readonly executionArn: string,
    readonly status: string,
    readonly failureReason: string | undefined,
    readonly failedSteps: readonly FailedStep[] | null,
  ) {
    const steps =
      failedSteps === null
        ? ' (step statuses unavailable from this endpoint)'
        : failedSteps.length > 0
          ? `\n${failedSteps.map((s) => `- step '${s.stepName}' ${s.status}: ${s.failureReason ?? '(no reason given)'}`).join('\n')}`
          : '';
    super(`pipeline execution ${executionArn} ended ${status}${failureReason ? `: ${failureReason}` : ''}${steps}`);
    this.name = 'PipelineExecutionFailedError';
  }
}

/** `wait` gave up before the execution ended; the execution itself keeps running. */
export class WaitTimeoutError extends LifecycleError {
  override readonly code: PipelineSdkErrorCode = 'WAIT_TIMEOUT';
  constructor(
    readonly executionArn: string,
    readonly timeoutMs: number,
    readonly lastStatus: string | undefined,
  ) {
    super(
      `pipeline execution ${executionArn} still ${lastStatus ?? 'unknown'} after ${timeoutMs} ms (it keeps running; stop() ends it)`,
    );
    this.name = 'WaitTimeoutError';
  }
}

/** `wait` was aborted through its AbortSignal; the execution itself keeps running. */
export class WaitAbortedError extends LifecycleError {
  override readonly code: PipelineSdkErrorCode = 'WAIT_ABORTED';
  constructor(
    readonly executionArn: string,
    reason: unknown,
  ) {
    super(`waiting for pipeline execution ${executionArn} was aborted (it keeps running)`, { cause: reason });
    this.name = 'WaitAbortedError';
  }
}

/** The SageMaker endpoint does not implement ListPipelineExecutionSteps (moto, some emulators). */
export class StepListingUnavailableError extends LifecycleError {
  override readonly code: PipelineSdkErrorCode = 'STEP_LISTING_UNAVAILABLE';
  constructor(
    readonly executionArn: string,
    cause: unknown,
  ) {
    super(`ListPipelineExecutionSteps is not available from this SageMaker endpoint (execution ${executionArn})`, {
      cause,
    });
    this.name = 'StepListingUnavailableError';
  }
}
