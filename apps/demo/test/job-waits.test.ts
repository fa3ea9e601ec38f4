/**
 * The tuning step's job waits use the AWS SDK's waiters; these run them against local mode's client (real local
 * jobs), so the waiters' acceptors are checked against what local mode answers: Completed, Failed, and the
 * progress lines from the waiter's own DescribeTrainingJob calls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateProcessingJobCommand, CreateTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoContext, openContext } from '../src/context.js';
import { DemoError } from '../src/errors.js';
import { recordingReporter } from './recording-reporter.js';
import { waitForProcessingJob, waitForTrainingJob } from '../src/steps/job-waits.js';

const stateDir = mkdtempSync(join(tmpdir(), 'demo-job-waits-'));
const messages: string[] = [];
const reporter = recordingReporter(messages);
let ctx: DemoContext;

beforeAll(async () => {
  ctx = await openContext({ target: 'local', profile: 'tiny', stateDir, reporter });
  await ctx.s3.send(new CreateBucketCommand({ Bucket: ctx.names.bucket }));
}, 120_000);

afterAll(async () => {
  await ctx?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

async function processingJob(name: string, code: string): Promise<void> {
  await ctx.sagemaker.send(
    new CreateProcessingJobCommand({
      ProcessingJobName: name,
      RoleArn: ctx.names.roleArn,
      AppSpecification: {
        ImageUri: 'sagemaker-scikit-learn:1.2-1-cpu-py3',
        ContainerEntrypoint: ['python3', '-c', code],
      },
      ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 } },
      ProcessingOutputConfig: { Outputs: [] },
    }),
  );
}

describe('job waits with the SDK waiters on local mode', () => {
  it('returns once a processing job completes', async () => {
    await processingJob('waits-ok', 'print("ok")');
    await waitForProcessingJob(ctx, 'waits-ok', 'tune');
    expect(messages).toContain('processing job waits-ok: Completed');
  });

  it('throws a DemoError of the step with the failure reason when a processing job fails', async () => {
    await processingJob('waits-fail', 'import sys; sys.exit(3)');
    const error = await waitForProcessingJob(ctx, 'waits-fail', 'tune').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DemoError);
    expect((error as DemoError).message).toMatch(/^processing job waits-fail Failed: /);
    expect((error as DemoError).step).toBe('tune');
  });

  it('returns the completed training job and reports its status changes', async () => {
    await ctx.sagemaker.send(
      new CreateTrainingJobCommand({
        TrainingJobName: 'waits-train',
        RoleArn: ctx.names.roleArn,
        AlgorithmSpecification: {
          TrainingImage: 'pytorch-training:2.5-cpu-py311',
          TrainingInputMode: 'File',
          ContainerEntrypoint: ['python3', '-c', 'print("trained")'],
        },
        OutputDataConfig: { S3OutputPath: `s3://${ctx.names.bucket}/job-waits` },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
      }),
    );
    const job = await waitForTrainingJob(ctx, 'waits-train', 'tune');
    expect(job.TrainingJobStatus).toBe('Completed');
    expect(messages.some((m) => m.startsWith('training job waits-train: Completed'))).toBe(true);
  });
});
