import { StepFailure } from '../pipeline-graph.js';
import type { Rec } from '../untyped.js';
import type { RunningExecution, StepServices } from './types.js';

/** Runs a training or processing job for a step and waits for it; a job that did not complete fails the step. */
export async function runJob(
  services: StepServices,
  kind: 'training' | 'processing',
  args: Rec,
  name: string,
  run: RunningExecution,
): Promise<{ properties: Rec; stopped: boolean }> {
  const { jobs } = services;
  const key = `${kind}/${name}`;
  run.jobs.add(key);
  try {
    if (kind === 'training') await jobs.createTraining({ ...args, TrainingJobName: name });
    else await jobs.createProcessing({ ...args, ProcessingJobName: name });
    // A stop (StopPipelineExecution or close()) that came while the job was being created could not find it yet.
    if (run.stopRequested) await jobs.stop(kind, name).catch(() => undefined);
    const record = await jobs.wait(kind, name);
    const status = kind === 'training' ? record.TrainingJobStatus : record.ProcessingJobStatus;
    if (status === 'Stopped') return { properties: record, stopped: true };
    if (status !== 'Completed') {
      const reason = String(record.FailureReason ?? `${kind} job ${name} ended ${status}`);
      // A script's own error is not retried (as on AWS); a crash of the local process is an internal error.
      const internal = /signal SIGKILL|signal SIGSEGV|cannot start/.test(reason);
      throw new StepFailure(reason, internal ? 'SageMaker.JOB_INTERNAL_ERROR' : 'SageMaker.ALGORITHM_ERROR');
    }
    return { properties: record, stopped: false };
  } finally {
    run.jobs.delete(key);
  }
}
