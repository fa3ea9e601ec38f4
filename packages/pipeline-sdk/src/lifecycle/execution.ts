import {
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  StopPipelineExecutionCommand,
  type DescribePipelineExecutionCommandOutput,
  type ListPipelineExecutionStepsCommandOutput,
  type PipelineExecutionStep,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { randomUUID } from 'node:crypto';
import {
  PipelineExecutionFailedError,
  StepListingUnavailableError,
  WaitAbortedError,
  WaitTimeoutError,
  type FailedStep,
} from './errors.js';

/** One step of an execution, from ListPipelineExecutionSteps. */
export interface StepSummary {
  readonly name: string;
  readonly displayName?: string;
  /** Starting, Executing, Stopping, Stopped, Failed, Succeeded. */
  readonly status: string;
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly failureReason?: string;
  readonly attemptCount?: number;
  /** ARN of the job, model, model package... the step made (from the step's Metadata). */
  readonly resourceArn?: string;
  /** Step result reused from an earlier execution (CacheConfig). */
  readonly cacheHit: boolean;
  readonly raw: PipelineExecutionStep;
}

export interface WaitProgress {
  readonly executionArn: string;
  /** Executing, Stopping, Stopped, Failed, Succeeded. */
  readonly status: string;
  /** null when the endpoint cannot list steps (moto); newest first otherwise, as SageMaker lists them. */
  readonly steps: readonly StepSummary[] | null;
  readonly elapsedMs: number;
  readonly poll: number;
}

export interface WaitOptions {
  /** First delay between polls; default 5 s. */
  readonly pollIntervalMs?: number;
  /** Longest delay between polls; default 60 s. */
  readonly maxPollIntervalMs?: number;
  /** Each delay is the previous one times this; default 1.5. */
  readonly backoffFactor?: number;
  /** Give up (WaitTimeoutError) after this long; default 24 h. The execution keeps running. */
  readonly timeoutMs?: number;
  /** Abort the wait (WaitAbortedError); the execution keeps running. */
  readonly signal?: AbortSignal;
  /** Called on the first poll and whenever the execution or a step changes status. */
  readonly onProgress?: (progress: WaitProgress) => void;
  /** List steps for progress and failure reasons; default true. */
  readonly listSteps?: boolean;
  /** Throw PipelineExecutionFailedError when the execution ends Failed or Stopped; default true. */
  readonly throwOnFailure?: boolean;
}

export interface ExecutionResult {
  readonly executionArn: string;
  readonly status: string;
  readonly failureReason?: string;
  readonly steps: readonly StepSummary[] | null;
  /** Failed or stopped steps with their reasons; null when steps could not be listed. */
  readonly failedSteps: readonly FailedStep[] | null;
  readonly elapsedMs: number;
  readonly polls: number;
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped']);
const UNKNOWN_OPERATION_NAMES = new Set([
  'UnknownOperationException',
  'InvalidAction',
  'NotImplemented',
  'NotImplementedError',
  'LocalModeUnsupportedCommandError',
]);

/**
 * True for "this endpoint does not implement the operation". moto answers unimplemented actions with
 * an HTML 500 page, which the SDK reports as a SyntaxError; AWS itself never sends HTML, so a real 500
 * (InternalFailure, JSON) is not mistaken for it.
 */
export function isUnknownOperationError(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (e === null || typeof e !== 'object') return false;
  if (e.name !== undefined && UNKNOWN_OPERATION_NAMES.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 501 || (status === 500 && e.name === 'SyntaxError');
}

function toStepSummary(step: PipelineExecutionStep): StepSummary {
  const m = step.Metadata;
  const resourceArn =
    m?.TrainingJob?.Arn ??
    m?.ProcessingJob?.Arn ??
    m?.TransformJob?.Arn ??
    m?.TuningJob?.Arn ??
    m?.Model?.Arn ??
    m?.RegisterModel?.Arn ??
    m?.Lambda?.Arn ??
    m?.Endpoint?.Arn ??
    m?.EndpointConfig?.Arn ??
    m?.Callback?.CallbackToken;
  return {
    name: step.StepName ?? '(unnamed)',
    ...(step.StepDisplayName === undefined ? {} : { displayName: step.StepDisplayName }),
    status: step.StepStatus ?? 'Unknown',
    ...(step.StartTime === undefined ? {} : { startTime: step.StartTime }),
    ...(step.EndTime === undefined ? {} : { endTime: step.EndTime }),
    ...(step.FailureReason === undefined || step.FailureReason === '' ? {} : { failureReason: step.FailureReason }),
    ...(step.AttemptCount === undefined ? {} : { attemptCount: step.AttemptCount }),
    ...(resourceArn === undefined ? {} : { resourceArn }),
    cacheHit: step.CacheHitResult?.SourcePipelineExecutionArn !== undefined,
    raw: step,
  };
}

function failedStepsOf(steps: readonly StepSummary[] | null): FailedStep[] | null {
  if (steps === null) return null;
  return steps
    .filter((s) => s.status === 'Failed' || s.status === 'Stopped')
    .map((s) => ({
      stepName: s.name,
      status: s.status,
      ...(s.failureReason === undefined ? {} : { failureReason: s.failureReason }),
    }));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A running or finished pipeline execution. */
export class PipelineExecution {
  constructor(
    readonly arn: string,
    private readonly sagemaker: SageMakerClient,
  ) {}

  describe(): Promise<DescribePipelineExecutionCommandOutput> {
    return this.sagemaker.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: this.arn }));
  }

  /** All steps (every page), newest first. Throws StepListingUnavailableError where the endpoint lacks the call. */
  async listSteps(): Promise<StepSummary[]> {
    const steps: StepSummary[] = [];
    let nextToken: string | undefined;
    do {
      let page: ListPipelineExecutionStepsCommandOutput;
      try {
        page = await this.sagemaker.send(
          new ListPipelineExecutionStepsCommand({
            PipelineExecutionArn: this.arn,
            MaxResults: 100,
            NextToken: nextToken,
          }),
        );
      } catch (error) {
        if (isUnknownOperationError(error)) throw new StepListingUnavailableError(this.arn, error);
        throw error;
      }
      for (const step of page.PipelineExecutionSteps ?? []) steps.push(toStepSummary(step));
      nextToken = page.NextToken;
    } while (nextToken !== undefined && nextToken !== '');
    return steps;
  }

  /** Asks SageMaker to stop the execution (status Stopping, then Stopped). `wait` sees the end. */
  async stop(clientRequestToken: string = randomUUID()): Promise<void> {
    await this.sagemaker.send(
      new StopPipelineExecutionCommand({ PipelineExecutionArn: this.arn, ClientRequestToken: clientRequestToken }),
    );
  }

  /**
   * Polls DescribePipelineExecution with exponential backoff until the execution ends. Reports progress
   * with step statuses, and on failure gives the reason of each failed step.
   */
  async wait(options: WaitOptions = {}): Promise<ExecutionResult> {
    const initial = options.pollIntervalMs ?? 5_000;
    const maxDelay = options.maxPollIntervalMs ?? 60_000;
    const factor = options.backoffFactor ?? 1.5;
    const timeoutMs = options.timeoutMs ?? 24 * 60 * 60 * 1000;
    const { signal, onProgress } = options;
    let stepsAvailable = options.listSteps ?? true;
    const started = Date.now();
    let delay = initial;
    let polls = 0;
    let lastStatus: string | undefined;
    let lastFingerprint = '';

    const readSteps = async (): Promise<StepSummary[] | null> => {
      if (!stepsAvailable) return null;
      try {
        return await this.listSteps();
      } catch (error) {
        if (error instanceof StepListingUnavailableError) {
          // Stop asking for the rest of this wait: the endpoint will not learn the call mid-run.
          stepsAvailable = false;
          return null;
        }
        throw error;
      }
    };

    for (;;) {
      if (signal?.aborted) throw new WaitAbortedError(this.arn, signal.reason);
      polls += 1;
      const described = await this.describe();
      const status = described.PipelineExecutionStatus ?? 'Unknown';
      lastStatus = status;
      const steps = await readSteps();
      const elapsedMs = Date.now() - started;
      const fingerprint = `${status}|${(steps ?? []).map((s) => `${s.name}:${s.status}`).join(',')}`;
      if (onProgress !== undefined && fingerprint !== lastFingerprint) {
        onProgress({ executionArn: this.arn, status, steps, elapsedMs, poll: polls });
      }
      lastFingerprint = fingerprint;

      if (TERMINAL.has(status)) {
        const failureReason =
          described.FailureReason === undefined || described.FailureReason === '' ? undefined : described.FailureReason;
        const failedSteps = failedStepsOf(steps);
        if (status !== 'Succeeded' && (options.throwOnFailure ?? true)) {
          throw new PipelineExecutionFailedError(this.arn, status, failureReason, failedSteps);
        }
        return {
          executionArn: this.arn,
          status,
          ...(failureReason === undefined ? {} : { failureReason }),
          steps,
          failedSteps,
          elapsedMs,
          polls,
        };
      }

      const remaining = timeoutMs - (Date.now() - started);
      if (remaining <= 0) throw new WaitTimeoutError(this.arn, timeoutMs, lastStatus);
      try {
        await sleep(Math.min(delay, remaining), signal);
      } catch (reason) {
        throw new WaitAbortedError(this.arn, reason);
      }
      delay = Math.min(maxDelay, delay * factor);
    }
  }
}
