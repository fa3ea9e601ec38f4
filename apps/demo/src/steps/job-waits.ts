/**
 * Waiting for the tuning step's jobs with the AWS SDK's own waiters, so the demo polls the way the SDK does (backoff
 * with jitter, a deadline) on AWS and in local mode alike: local mode's Describe* answers carry the same
 * statuses (InProgress, Completed, Failed, Stopped) the waiters' acceptors look at.
 */
import {
  type DescribeProcessingJobCommandOutput,
  type DescribeTrainingJobCommandOutput,
  DescribeTrainingJobCommand,
  waitForProcessingJobCompletedOrStopped,
  waitForTrainingJobCompletedOrStopped,
} from '@aws-sdk/client-sagemaker';
import type { DemoContext } from '../context.js';
import { DemoError } from '../errors.js';

/** Poll delays: local jobs finish in minutes and cost nothing to ask about; on AWS a job runs for many minutes. */
function waiterTiming(ctx: DemoContext, maxWaitSeconds: number) {
  return ctx.target === 'local'
    ? { minDelay: 1, maxDelay: 2, maxWaitTime: maxWaitSeconds }
    : { minDelay: 15, maxDelay: 60, maxWaitTime: maxWaitSeconds };
}

/** Waits for a processing job; anything but Completed (Failed, Stopped, out of time) is a DemoError of `step`. */
export async function waitForProcessingJob(
  ctx: DemoContext,
  jobName: string,
  step: string,
  maxWaitSeconds = 2 * 3600,
): Promise<void> {
  const result = await waitForProcessingJobCompletedOrStopped(
    { client: ctx.sagemaker, ...waiterTiming(ctx, maxWaitSeconds) },
    { ProcessingJobName: jobName },
  );
  const job = result.reason as DescribeProcessingJobCommandOutput | undefined;
  if (job?.ProcessingJobStatus === 'Completed') {
    ctx.reporter.info(`processing job ${jobName}: Completed`);
    return;
  }
  throw new DemoError(
    `processing job ${jobName} ${job?.ProcessingJobStatus ?? result.state}: ${job?.FailureReason ?? reasonText(result.reason)}`,
    step,
  );
}

/**
 * Waits for a training job, reporting its status changes (Starting → Downloading → Training → Uploading) while
 * the waiter runs; returns the final description when Completed, else throws a DemoError of `step`.
 */
export async function waitForTrainingJob(
  ctx: DemoContext,
  jobName: string,
  step: string,
  maxWaitSeconds = 4 * 3600,
): Promise<DescribeTrainingJobCommandOutput> {
  const started = Date.now();
  let last = '';
  const report = (job: DescribeTrainingJobCommandOutput) => {
    const status = `${job.TrainingJobStatus}/${job.SecondaryStatus ?? ''}`;
    if (status === last) return;
    last = status;
    ctx.reporter.info(
      `training job ${jobName}: ${job.TrainingJobStatus} (${job.SecondaryStatus ?? ''}) after ${Math.round((Date.now() - started) / 1000)} s`,
    );
  };
  // The waiter's DescribeTrainingJob answers double as progress: the same client, its send watched.
  const sagemaker = ctx.sagemaker;
  const client = new Proxy(sagemaker, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (...args: Parameters<typeof sagemaker.send>) => {
        const output: unknown = await sagemaker.send(...args);
        if (args[0] instanceof DescribeTrainingJobCommand) report(output as DescribeTrainingJobCommandOutput);
        return output;
      };
    },
  });
  const result = await waitForTrainingJobCompletedOrStopped(
    { client, ...waiterTiming(ctx, maxWaitSeconds) },
    { TrainingJobName: jobName },
  );
  const job = result.reason as DescribeTrainingJobCommandOutput | undefined;
  if (job?.TrainingJobStatus === 'Completed') return job;
  throw new DemoError(
    `training job ${jobName} ${job?.TrainingJobStatus ?? result.state}: ${job?.FailureReason ?? reasonText(result.reason)}`,
    step,
  );
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  return 'no reason given';
}
