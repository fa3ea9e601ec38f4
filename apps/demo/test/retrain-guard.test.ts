/**
 * Stopping `label` while a retrain runs (local mode: the execution lives in this process) never loses the threshold
 * crossing: it waits for the retrain with a message, or, when interrupted again, stops it and records the crossing,
 * which the next `label` / `label sync` starts again. Real local-mode pipeline executions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreatePipelineCommand,
  DescribePipelineExecutionCommand,
  ListPipelineParametersForExecutionCommand,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { pollUntil } from '@sagemaker-mlops/test-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoContext, openContext } from '../src/context.js';
import {
  PendingRetrains,
  resumePendingRetrains,
  runningRetrains,
  settleRetrainsBeforeExit,
} from '../src/labeling/retrain-guard.js';
import { recordingReporter } from './recording-reporter.js';

const stateDir = mkdtempSync(join(tmpdir(), 'demo-retrain-'));
const messages: string[] = [];
const reporter = recordingReporter(messages);
const never = new Promise<void>(() => {});
let ctx: DemoContext;
let lake: string;

async function startRetrain(displayName: string): Promise<string> {
  const started = await ctx.sagemaker.send(
    new StartPipelineExecutionCommand({
      PipelineName: ctx.names.pipelineName,
      PipelineExecutionDisplayName: displayName,
      PipelineParameters: [{ Name: 'LakePrefix', Value: lake }],
    }),
  );
  const arn = started.PipelineExecutionArn as string;
  await pollUntil(`${displayName} to be running`, async () =>
    (await runningRetrains(ctx)).some((r) => r.arn === arn) ? true : undefined,
  );
  return arn;
}

async function statusOf(arn: string): Promise<string | undefined> {
  const described = await ctx.sagemaker.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
  return described.PipelineExecutionStatus;
}

beforeAll(async () => {
  ctx = await openContext({ target: 'local', profile: 'tiny', stateDir, reporter });
  lake = `s3://${ctx.names.bucket}/${ctx.names.lakePrefix}`;
  // A stand-in for the demo's pipeline: its LakePrefix parameter and one step that takes a few seconds (the
  // sleep is the behaviour under test: a retrain still running when `label` stops).
  const definition = {
    Version: '2020-12-01',
    Metadata: {},
    Parameters: [{ Name: 'LakePrefix', Type: 'String', DefaultValue: 's3://elsewhere/lake' }],
    Steps: [
      {
        Name: 'Train',
        Type: 'Processing',
        Arguments: {
          ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 } },
          AppSpecification: {
            ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3',
            ContainerEntrypoint: ['python3', '-c', 'import time; time.sleep(4)'],
          },
          RoleArn: ctx.names.roleArn,
          ProcessingOutputConfig: { Outputs: [] },
        },
      },
    ],
  };
  await ctx.sagemaker.send(
    new CreatePipelineCommand({
      PipelineName: ctx.names.pipelineName,
      PipelineDefinition: JSON.stringify(definition),
      RoleArn: ctx.names.roleArn,
    }),
  );
}, 120_000);

afterAll(async () => {
  await ctx?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe.sequential('stopping `label` while a retrain runs', () => {
  it('has nothing to wait for when no retrain runs', async () => {
    expect(await settleRetrainsBeforeExit(ctx, { lake, interrupted: never })).toBe('none');
  });

  it('waits for the running retrain, saying so, and lets it finish', async () => {
    const arn = await startRetrain('labeling-p1-b1');
    expect(await settleRetrainsBeforeExit(ctx, { lake, interrupted: never, pollMs: 200 })).toBe('finished');
    expect(messages.some((m) => m.startsWith('waiting for the retrain labeling-p1-b1 to finish'))).toBe(true);
    expect(await statusOf(arn)).toBe('Succeeded');
    expect(new PendingRetrains(join(ctx.workDir, 'pending-retrains.json')).list()).toEqual([]);
  });

  it('when interrupted again, stops the retrain and records the crossing; the next start runs it again', async () => {
    const arn = await startRetrain('labeling-p1-b2');
    // The second Ctrl-C comes once `label` says it is waiting for this retrain, as a person would press it.
    const interrupted = pollUntil('the message that label waits for labeling-p1-b2', () =>
      messages.some((m) => m.startsWith('waiting for the retrain labeling-p1-b2')) ? true : undefined,
    ).then(() => {});
    expect(await settleRetrainsBeforeExit(ctx, { lake, interrupted, pollMs: 100 })).toBe('recorded');
    const pending = PendingRetrains.of(ctx).list();
    expect(pending).toEqual([expect.objectContaining({ displayName: 'labeling-p1-b2', executionArn: arn, lake })]);

    const [again] = await resumePendingRetrains(ctx);
    expect(again).toBeDefined();
    expect(again).not.toBe(arn);
    expect(PendingRetrains.of(ctx).list()).toEqual([]);
    const parameters = await ctx.sagemaker.send(
      new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: again as string }),
    );
    expect(parameters.PipelineParameters).toContainEqual({ Name: 'LakePrefix', Value: lake });
    expect(messages.some((m) => m.includes('labeling-p1-b2') && m.includes('started again'))).toBe(true);
  });
});
