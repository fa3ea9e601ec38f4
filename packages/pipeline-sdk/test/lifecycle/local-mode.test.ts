/**
 * The lifecycle end to end on local mode, which (unlike moto) runs the steps and implements
 * ListPipelineExecutionSteps and StopPipelineExecution: step progress, failure reasons and stop are real here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConditionStep,
  FailStep,
  Join,
  LambdaStep,
  ParameterFloat,
  Pipeline,
  greaterThanOrEqualTo,
} from '../../src/core/index.js';
import { LocalSageMaker } from '@sagemaker-mlops/local';
import { PipelineExecutionFailedError, PipelineRunner, type WaitProgress } from '../../src/lifecycle/index.js';

const NOTIFY = 'arn:aws:lambda:us-east-1:000000000000:function:notify';
const SLOW = 'arn:aws:lambda:us-east-1:000000000000:function:slow';
const roleArn = 'arn:aws:iam::000000000000:role/pipeline';

/** A promise and its resolve function (Promise.withResolvers is not in Node 20). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('PipelineRunner on local mode', () => {
  let stateDir: string;
  let local: LocalSageMaker;
  const notified: unknown[] = [];
  const slowStarted = deferred();
  const slowRelease = deferred();

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'lifecycle-local-'));
    local = await LocalSageMaker.open({
      stateDir,
      lambdaHandlers: {
        [NOTIFY]: async (event) => {
          notified.push(event);
          return { ok: 'yes' };
        },
        [SLOW]: async () => {
          // Runs until the test has stopped the execution: the stop lands while the step runs, with no timing.
          slowStarted.resolve();
          await slowRelease.promise;
          return {};
        },
      },
    });
  });
  afterAll(async () => {
    slowRelease.resolve(); // should the stop test fail before it lets the Slow step end
    await local.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  function gatePipeline(): Pipeline {
    const gate = new ParameterFloat({ name: 'Accuracy', defaultValue: 0.9 });
    return new Pipeline({
      name: 'gate-pipeline',
      parameters: [gate],
      steps: [
        new ConditionStep({
          name: 'CheckAccuracy',
          conditions: [greaterThanOrEqualTo(gate, 0.8)],
          ifSteps: [
            new LambdaStep({
              name: 'Notify',
              functionArn: NOTIFY,
              inputs: { accuracy: gate },
              outputs: [{ name: 'ok' }],
            }),
          ],
          elseSteps: [
            new FailStep({
              name: 'TooLow',
              errorMessage: new Join({ on: ' ', values: ['accuracy', gate, 'is below 0.8'] }),
            }),
          ],
        }),
      ],
    });
  }

  it('runs to Succeeded with step statuses in the progress reports', async () => {
    const runner = new PipelineRunner(gatePipeline(), { sagemaker: local.sagemaker });
    expect((await runner.upsert({ roleArn })).created).toBe(true);
    const execution = await runner.start({ Accuracy: 0.95 });
    const progress: WaitProgress[] = [];
    const result = await execution.wait({
      pollIntervalMs: 50,
      maxPollIntervalMs: 200,
      timeoutMs: 60_000,
      onProgress: (p) => progress.push(p),
    });
    expect(result.status).toBe('Succeeded');
    expect(result.failedSteps).toEqual([]);
    expect(result.steps?.map((s) => [s.name, s.status]).sort()).toEqual([
      ['CheckAccuracy', 'Succeeded'],
      ['Notify', 'Succeeded'],
    ]);
    expect(progress.at(-1)?.steps).not.toBeNull();
    expect(notified).toContainEqual(expect.objectContaining({ accuracy: 0.95 }));
  });

  it('fails with the Fail step and its message as the failed step reason', async () => {
    const runner = new PipelineRunner(gatePipeline(), { sagemaker: local.sagemaker });
    await runner.upsert({ roleArn });
    const execution = await runner.start({ Accuracy: 0.5 });
    const error = await execution
      .wait({ pollIntervalMs: 50, maxPollIntervalMs: 200, timeoutMs: 60_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineExecutionFailedError);
    const failed = error as PipelineExecutionFailedError;
    expect(failed.status).toBe('Failed');
    expect(failed.failedSteps).toEqual([expect.objectContaining({ stepName: 'TooLow', status: 'Failed' })]);
    expect(failed.failedSteps?.[0]?.failureReason).toContain('accuracy 0.5 is below 0.8');
    const listed = await runner.listExecutions();
    expect(listed.map((e) => e.status).sort()).toEqual(['Failed', 'Succeeded']);
  });

  it('stops a running execution', async () => {
    const slow = new Pipeline({ name: 'slow-pipeline', steps: [new LambdaStep({ name: 'Slow', functionArn: SLOW })] });
    const runner = new PipelineRunner(slow, { sagemaker: local.sagemaker });
    await runner.upsert({ roleArn });
    const execution = await runner.start();
    await slowStarted.promise;
    await execution.stop();
    slowRelease.resolve();
    const result = await execution.wait({
      pollIntervalMs: 50,
      maxPollIntervalMs: 200,
      timeoutMs: 60_000,
      throwOnFailure: false,
    });
    // Local mode ends a stopped execution as Stopped once its running step returns.
    expect(result.status).toBe('Stopped');
  });
});
