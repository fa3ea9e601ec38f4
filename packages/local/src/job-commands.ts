import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  type DescribeTrainingJobCommandOutput,
  StopTrainingJobCommand,
  ListTrainingJobsCommand,
  CreateProcessingJobCommand,
  DescribeProcessingJobCommand,
  type DescribeProcessingJobCommandOutput,
  StopProcessingJobCommand,
  ListProcessingJobsCommand,
} from '@aws-sdk/client-sagemaker';
import type { CommandTable } from './dispatch.js';
import { metadata, missingJob } from './errors.js';
import type { JobKind, JobRunner } from './jobs.js';
import { sortItems, timeFilter } from './listing.js';
import { revive } from './store.js';

/** The training and processing job commands (Create, Describe, Stop, List) on the job runner. */
export function registerJobCommands(table: CommandTable, runner: JobRunner): void {
  const describe = async <T>(kind: JobKind, name: string | undefined = ''): Promise<T> => {
    const record = await (kind === 'training' ? runner.training : runner.processing).get(name);
    if (!record) throw missingJob(kind, name);
    return { $metadata: metadata(200), ...revive(record) } as T;
  };
  table.on(CreateTrainingJobCommand, async (input) => ({
    $metadata: metadata(200),
    TrainingJobArn: await runner.createTraining(input),
  }));
  table.on(DescribeTrainingJobCommand, (input) =>
    describe<DescribeTrainingJobCommandOutput>('training', input.TrainingJobName),
  );
  table.on(StopTrainingJobCommand, async (input) => {
    await runner.stop('training', input.TrainingJobName ?? '');
    return { $metadata: metadata(200) };
  });
  table.on(ListTrainingJobsCommand, async (input) => {
    let jobs = await runner.training.list();
    if (input.NameContains) jobs = jobs.filter((j) => String(j.TrainingJobName).includes(input.NameContains ?? ''));
    if (input.StatusEquals) jobs = jobs.filter((j) => j.TrainingJobStatus === input.StatusEquals);
    const sorted = sortItems(timeFilter(jobs, input), input, 'TrainingJobName');
    return {
      $metadata: metadata(200),
      TrainingJobSummaries: revive(
        sorted.map((j) => ({
          TrainingJobName: j.TrainingJobName,
          TrainingJobArn: j.TrainingJobArn,
          CreationTime: j.CreationTime,
          TrainingEndTime: j.TrainingEndTime,
          LastModifiedTime: j.LastModifiedTime,
          TrainingJobStatus: j.TrainingJobStatus,
        })),
      ),
    };
  });
  table.on(CreateProcessingJobCommand, async (input) => ({
    $metadata: metadata(200),
    ProcessingJobArn: await runner.createProcessing(input),
  }));
  table.on(DescribeProcessingJobCommand, (input) =>
    describe<DescribeProcessingJobCommandOutput>('processing', input.ProcessingJobName),
  );
  table.on(StopProcessingJobCommand, async (input) => {
    await runner.stop('processing', input.ProcessingJobName ?? '');
    return { $metadata: metadata(200) };
  });
  table.on(ListProcessingJobsCommand, async (input) => {
    let jobs = await runner.processing.list();
    if (input.NameContains) jobs = jobs.filter((j) => String(j.ProcessingJobName).includes(input.NameContains ?? ''));
    if (input.StatusEquals) jobs = jobs.filter((j) => j.ProcessingJobStatus === input.StatusEquals);
    const sorted = sortItems(timeFilter(jobs, input), input, 'ProcessingJobName');
    return {
      $metadata: metadata(200),
      ProcessingJobSummaries: revive(
        sorted.map((j) => ({
          ProcessingJobName: j.ProcessingJobName,
          ProcessingJobArn: j.ProcessingJobArn,
          CreationTime: j.CreationTime,
          ProcessingEndTime: j.ProcessingEndTime,
          LastModifiedTime: j.LastModifiedTime,
          ProcessingJobStatus: j.ProcessingJobStatus,
          FailureReason: j.FailureReason,
        })),
      ),
    };
  });
}
