/**
 * Step listing, progress, failure reasons, backoff, timeout and abort, through a hand-written
 * SageMakerClient double: moto lacks ListPipelineExecutionSteps and StopPipelineExecution, and its
 * executions end at once. The real end-to-end check of this path runs against local mode.
 */
import {
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineExecutionsCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  type PipelineExecutionStep,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it, vi } from 'vitest';
import {
  PipelineExecution,
  PipelineExecutionFailedError,
  PipelineRunner,
  StepListingUnavailableError,
  WaitAbortedError,
  WaitTimeoutError,
  isUnknownOperationError,
  type PipelineSource,
  type WaitProgress,
} from '../../../src/lifecycle/index.js';

type Handler = (command: { input: Record<string, unknown>; constructor: { name: string } }) => unknown;

/** A real SageMakerClient whose send() answers from a script, recording every command. */
class ScriptedSageMaker extends SageMakerClient {
  readonly calls: Array<{ name: string; input: Record<string, unknown> }> = [];
  constructor(handler: Handler) {
    super({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    this.send = (async (command: { input: Record<string, unknown>; constructor: { name: string } }) => {
      this.calls.push({ name: command.constructor.name, input: command.input });
      const out = handler(command);
      if (out instanceof Error) throw out;
      return { $metadata: {}, ...(out as object) };
    }) as unknown as SageMakerClient['send'];
  }
}

const ARN = 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/abc';
const step = (name: string, status: string, extra: Partial<PipelineExecutionStep> = {}): PipelineExecutionStep => ({
  StepName: name,
  StepStatus: status as PipelineExecutionStep['StepStatus'],
  ...extra,
});

describe('PipelineExecution.wait with step statuses', () => {
  it('reports progress on each change, pages through steps, and gives each failed step its reason', async () => {
    // Poll 1: Preprocess running. Poll 2: same (no progress call). Poll 3: Train failed, pipeline Failed.
    const timeline = [
      { status: 'Executing', steps: [[step('Preprocess', 'Executing')]] },
      { status: 'Executing', steps: [[step('Preprocess', 'Executing')]] },
      {
        status: 'Failed',
        steps: [
          [
            step('Evaluate', 'Stopped'),
            step('Train', 'Failed', {
              FailureReason: 'AlgorithmError: CUDA out of memory',
              Metadata: { TrainingJob: { Arn: 'arn:train' } },
            }),
          ],
          [step('Preprocess', 'Succeeded', { CacheHitResult: { SourcePipelineExecutionArn: 'arn:old' } })],
        ],
      },
    ];
    let poll = -1;
    let page = 0;
    const client = new ScriptedSageMaker((command) => {
      if (command instanceof DescribePipelineExecutionCommand) {
        poll += 1;
        page = 0;
        const t = timeline[poll]!;
        return {
          PipelineExecutionStatus: t.status,
          ...(t.status === 'Failed' ? { FailureReason: 'Step failure: One or multiple steps failed.' } : {}),
        };
      }
      if (command instanceof ListPipelineExecutionStepsCommand) {
        const pages = timeline[poll]!.steps;
        const current = pages[page]!;
        page += 1;
        return { PipelineExecutionSteps: current, ...(page < pages.length ? { NextToken: `t${page}` } : {}) };
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    });
    const progress: WaitProgress[] = [];
    const error = await new PipelineExecution(ARN, client)
      .wait({ pollIntervalMs: 5, onProgress: (p) => progress.push(p) })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PipelineExecutionFailedError);
    const failed = error as PipelineExecutionFailedError;
    expect(failed.status).toBe('Failed');
    expect(failed.failureReason).toBe('Step failure: One or multiple steps failed.');
    expect(failed.failedSteps).toEqual([
      { stepName: 'Evaluate', status: 'Stopped' },
      { stepName: 'Train', status: 'Failed', failureReason: 'AlgorithmError: CUDA out of memory' },
    ]);
    expect(failed.message).toContain("- step 'Train' Failed: AlgorithmError: CUDA out of memory");
    expect(progress.map((p) => [p.poll, p.status, p.steps?.map((s) => `${s.name}:${s.status}`)])).toEqual([
      [1, 'Executing', ['Preprocess:Executing']],
      [3, 'Failed', ['Evaluate:Stopped', 'Train:Failed', 'Preprocess:Succeeded']],
    ]);
    const last = progress[1]!.steps!;
    expect(last.find((s) => s.name === 'Train')?.resourceArn).toBe('arn:train');
    expect(last.find((s) => s.name === 'Preprocess')?.cacheHit).toBe(true);
    // The second page was asked for with the first page's token.
    const stepCalls = client.calls.filter((c) => c.name === 'ListPipelineExecutionStepsCommand');
    expect(stepCalls.at(-1)?.input).toMatchObject({ PipelineExecutionArn: ARN, NextToken: 't1', MaxResults: 100 });
  });

  it('returns the result instead of throwing when throwOnFailure is false', async () => {
    const client = new ScriptedSageMaker((command) =>
      command instanceof DescribePipelineExecutionCommand
        ? { PipelineExecutionStatus: 'Stopped' }
        : { PipelineExecutionSteps: [step('Train', 'Stopped')] },
    );
    const result = await new PipelineExecution(ARN, client).wait({ throwOnFailure: false });
    expect(result).toMatchObject({
      status: 'Stopped',
      failedSteps: [{ stepName: 'Train', status: 'Stopped' }],
      polls: 1,
    });
  });

  it('treats an endpoint without ListPipelineExecutionSteps as "steps unavailable" and asks only once', async () => {
    let polls = 0;
    const unknownOperation = Object.assign(new Error('Unknown operation'), {
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 400 },
    });
    const client = new ScriptedSageMaker((command) => {
      if (command instanceof DescribePipelineExecutionCommand) {
        polls += 1;
        return { PipelineExecutionStatus: polls < 3 ? 'Executing' : 'Succeeded' };
      }
      return unknownOperation;
    });
    const execution = new PipelineExecution(ARN, client);
    await expect(execution.listSteps()).rejects.toBeInstanceOf(StepListingUnavailableError);
    client.calls.length = 0;
    const result = await execution.wait({ pollIntervalMs: 1 });
    expect(result).toMatchObject({ status: 'Succeeded', steps: null, failedSteps: null, polls: 3 });
    expect(client.calls.filter((c) => c.name === 'ListPipelineExecutionStepsCommand')).toHaveLength(1);
  });

  it('does not mistake a real service error for a missing operation', () => {
    expect(
      isUnknownOperationError(
        Object.assign(new Error('x'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }),
      ),
    ).toBe(false);
    expect(
      isUnknownOperationError(
        Object.assign(new Error('<html>'), { name: 'SyntaxError', $metadata: { httpStatusCode: 500 } }),
      ),
    ).toBe(true);
    expect(isUnknownOperationError(Object.assign(new Error('x'), { name: 'LocalModeUnsupportedCommandError' }))).toBe(
      true,
    );
    expect(
      isUnknownOperationError(
        Object.assign(new Error('x'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      ),
    ).toBe(false);
  });

  it('backs off between polls up to the cap, and times out with the last status', async () => {
    const times: number[] = [];
    const client = new ScriptedSageMaker((command) => {
      if (command instanceof DescribePipelineExecutionCommand) {
        times.push(Date.now());
        return { PipelineExecutionStatus: 'Executing' };
      }
      return { PipelineExecutionSteps: [] };
    });
    vi.useFakeTimers();
    try {
      const pending = new PipelineExecution(ARN, client)
        .wait({ pollIntervalMs: 20, backoffFactor: 2, maxPollIntervalMs: 80, timeoutMs: 400 })
        .catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(1_000);
      const error = await pending;
      expect(error).toBeInstanceOf(WaitTimeoutError);
      expect((error as WaitTimeoutError).lastStatus).toBe('Executing');
      expect((error as Error).message).toContain('still Executing after 400 ms');
    } finally {
      vi.useRealTimers();
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Doubling from 20 ms, capped at 80 ms; the last sleep is cut to the time left before the deadline.
    expect(gaps).toEqual([20, 40, 80, 80, 80, 80, 20]);
  });

  it('stops waiting when the AbortSignal fires', async () => {
    const client = new ScriptedSageMaker((command) =>
      command instanceof DescribePipelineExecutionCommand
        ? { PipelineExecutionStatus: 'Executing' }
        : { PipelineExecutionSteps: [] },
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user pressed ctrl-c')), 30);
    const started = Date.now();
    const error = await new PipelineExecution(ARN, client)
      .wait({ pollIntervalMs: 10_000, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitAbortedError);
    expect(((error as Error).cause as Error).message).toBe('user pressed ctrl-c');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stop() sends StopPipelineExecution with an idempotency token', async () => {
    const client = new ScriptedSageMaker(() => ({ PipelineExecutionArn: ARN }));
    await new PipelineExecution(ARN, client).stop();
    await new PipelineExecution(ARN, client).stop('my-token-0123456789-0123456789-01');
    expect(client.calls.map((c) => c.name)).toEqual(['StopPipelineExecutionCommand', 'StopPipelineExecutionCommand']);
    expect(client.calls[0]!.input.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(client.calls[1]!.input).toEqual({
      PipelineExecutionArn: ARN,
      ClientRequestToken: 'my-token-0123456789-0123456789-01',
    });
    expect(StopPipelineExecutionCommand.name).toBe('StopPipelineExecutionCommand');
  });
});

describe('PipelineRunner.start request shape', () => {
  const pipeline: PipelineSource = {
    name: 'p',
    parameters: [{ name: 'Gate', parameterType: 'Float', defaultValue: 0.8 }],
    definition: () =>
      JSON.stringify({
        Steps: [
          { Name: 'Train', Type: 'Training' },
          {
            Name: 'Check',
            Type: 'Condition',
            Arguments: {
              IfSteps: [{ Name: 'Register', Type: 'RegisterModel' }],
              ElseSteps: [{ Name: 'Fail', Type: 'Fail' }],
            },
          },
        ],
      }),
  };

  it('selects steps inside condition branches and reuses the latest execution by default', async () => {
    const client = new ScriptedSageMaker((command) => {
      if (command instanceof ListPipelineExecutionsCommand)
        return {
          PipelineExecutionSummaries: [{ PipelineExecutionArn: 'arn:latest', PipelineExecutionStatus: 'Failed' }],
        };
      if (command instanceof StartPipelineExecutionCommand) return { PipelineExecutionArn: ARN };
      throw new Error('unexpected');
    });
    const execution = await new PipelineRunner(pipeline, { sagemaker: client }).start(
      { Gate: 0.9 },
      { selectedSteps: ['Register'], parallelism: 4 },
    );
    expect(execution.arn).toBe(ARN);
    expect(client.calls[0]).toMatchObject({
      name: 'ListPipelineExecutionsCommand',
      input: { PipelineName: 'p', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 1 },
    });
    expect(client.calls[1]!.input).toEqual({
      PipelineName: 'p',
      PipelineParameters: [{ Name: 'Gate', Value: '0.9' }],
      ParallelismConfiguration: { MaxParallelExecutionSteps: 4 },
      SelectiveExecutionConfig: { SourcePipelineExecutionArn: 'arn:latest', SelectedSteps: [{ StepName: 'Register' }] },
    });
  });

  it('checks token, display name and parallelism before calling SageMaker', async () => {
    const client = new ScriptedSageMaker(() => {
      throw new Error('must not be called');
    });
    const runner = new PipelineRunner(pipeline, { sagemaker: client });
    await expect(runner.start({}, { clientRequestToken: 'short' })).rejects.toThrow(
      /clientRequestToken "short" is invalid/,
    );
    await expect(runner.start({}, { displayName: 'bad name!' })).rejects.toThrow(
      /displayName "bad name!" is invalid: letters, digits and hyphens/,
    );
    await expect(runner.start({}, { parallelism: 0 })).rejects.toThrow(/parallelism 0 is invalid/);
    expect(client.calls).toEqual([]);
  });
});
