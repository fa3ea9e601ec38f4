import {
  CreateProcessingJobCommand,
  CreateTrainingJobCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  ResourceInUse,
  StopTrainingJobCommand,
  waitUntilTrainingJobCompletedOrStopped,
} from '@aws-sdk/client-sagemaker';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSageMaker, type LocalLogEvent } from '../../src/index.js';
import {
  getText,
  processingInput,
  processingOutput,
  putSourceDir,
  putText,
  readFromArchive,
  tempStateDir,
  waitFor,
} from './helpers.js';

const state = tempStateDir('jobs');
let local: LocalSageMaker;
const logs: LocalLogEvent[] = [];
const IMAGE = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5-cpu-py311';
let sourceDir: string;

function trainingJob(name: string, hps: Record<string, string>) {
  return new CreateTrainingJobCommand({
    TrainingJobName: name,
    RoleArn: 'arn:aws:iam::000000000000:role/sm',
    AlgorithmSpecification: {
      TrainingImage: IMAGE,
      TrainingInputMode: 'File',
      MetricDefinitions: [{ Name: 'val:accuracy', Regex: 'val_accuracy=([0-9.]+);' }],
    },
    HyperParameters: {
      sagemaker_program: '"train.py"',
      sagemaker_submit_directory: JSON.stringify(sourceDir),
      epochs: '3',
      lr: '0.1',
      optimizer: '"adam"',
      ...hps,
    },
    InputDataConfig: [
      {
        ChannelName: 'train',
        DataSource: {
          S3DataSource: {
            S3DataType: 'S3Prefix',
            S3Uri: 's3://lake/train/',
            S3DataDistributionType: 'FullyReplicated',
          },
        },
      },
    ],
    OutputDataConfig: { S3OutputPath: 's3://artifacts/models' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
  });
}

const finished = (status: string | undefined) =>
  status && !['InProgress', 'Stopping'].includes(status) ? status : undefined;

beforeAll(async () => {
  local = await LocalSageMaker.open({
    stateDir: state.dir,
    images: [{ pattern: /pytorch-training/, python: 'python3' }],
    onLog: (e) => logs.push(e),
  });
  sourceDir = await putSourceDir(local, 'code', 'train/sourcedir.tar.gz', ['train.py', 'helper.py']);
  await putText(local, 's3://lake/train/part-1.csv', '1,2\n3,4\n');
  await putText(local, 's3://lake/train/part-2.csv', '5,6\n');
});
afterAll(async () => {
  await local.close();
  state.cleanup();
});

describe('training jobs', () => {
  it('run the sagemaker_program with the framework container contract and upload model.tar.gz', async () => {
    await local.sagemaker.send(trainingJob('train-ok', {}));
    await expect(local.sagemaker.send(trainingJob('train-ok', {}))).rejects.toBeInstanceOf(ResourceInUse);
    const job = await waitFor('training', async () => {
      const d = await local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'train-ok' }));
      return finished(d.TrainingJobStatus) ? d : undefined;
    });
    expect(job.FailureReason).toBeUndefined();
    expect(job.TrainingJobStatus).toBe('Completed');
    expect(job.ModelArtifacts?.S3ModelArtifacts).toBe('s3://artifacts/models/train-ok/output/model.tar.gz');
    expect(job.FinalMetricDataList?.[0]).toMatchObject({ MetricName: 'val:accuracy', Value: 0.8 });
    expect(job.SecondaryStatusTransitions?.map((t) => t.Status)).toEqual([
      'Starting',
      'Downloading',
      'Training',
      'Uploading',
      'Completed',
    ]);
    const model = JSON.parse(
      await readFromArchive(local, job.ModelArtifacts?.S3ModelArtifacts as string, 'model.json'),
    );
    expect(model).toMatchObject({
      rows: 3,
      hps: { epochs: 3, lr: 0.1, optimizer: 'adam' },
      hp_epochs: '3',
      hosts: ['algo-1'],
      current_host: 'algo-1',
      num_gpus: '0',
      channels: ['train'],
      cwd_has_helper: true,
    });
    expect(model.hps_file.optimizer).toBe('"adam"');
    expect(await readFromArchive(local, 's3://artifacts/models/train-ok/output/output.tar.gz', 'metrics.txt')).toBe(
      'done\n',
    );
    expect(
      logs.some(
        (e) =>
          e.source === 'training-job' &&
          e.name === 'train-ok' &&
          e.message.includes('rows=3 epochs=3 lr=0.1 optimizer=adam'),
      ),
    ).toBe(true);
  });

  it('report a failing script with its exit code and log tail', async () => {
    await local.sagemaker.send(trainingJob('train-fails', { fail: 'true' }));
    const job = await waitFor('training', async () => {
      const d = await local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'train-fails' }));
      return finished(d.TrainingJobStatus) ? d : undefined;
    });
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.FailureReason).toContain('ExitCode 3');
    expect(job.FailureReason).toContain('about to fail: bad learning rate 0.1');
  });

  it('complete with an empty model and output folder (ContainerEntrypoint, no sagemaker_program)', async () => {
    await local.sagemaker.send(
      new CreateTrainingJobCommand({
        TrainingJobName: 'train-empty',
        RoleArn: 'arn:aws:iam::000000000000:role/sm',
        AlgorithmSpecification: {
          TrainingImage: IMAGE,
          TrainingInputMode: 'File',
          ContainerEntrypoint: ['python3', '-c', 'import os; print(os.environ["SM_MODEL_DIR"].endswith("/model"))'],
        },
        OutputDataConfig: { S3OutputPath: 's3://artifacts/models' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
      }),
    );
    const job = await waitFor('empty', async () => {
      const d = await local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'train-empty' }));
      return finished(d.TrainingJobStatus) ? d : undefined;
    });
    expect(job.FailureReason).toBeUndefined();
    expect(job.TrainingJobStatus).toBe('Completed');
    expect(logs.some((e) => e.name === 'train-empty' && e.message === 'True')).toBe(true);
    await expect(readFromArchive(local, job.ModelArtifacts?.S3ModelArtifacts as string, 'nothing')).rejects.toThrow(
      /ENOENT/,
    );
  });

  it('stop on StopTrainingJob', async () => {
    await local.sagemaker.send(
      new CreateTrainingJobCommand({
        TrainingJobName: 'train-stop',
        RoleArn: 'arn:aws:iam::000000000000:role/sm',
        AlgorithmSpecification: {
          TrainingImage: IMAGE,
          TrainingInputMode: 'File',
          ContainerEntrypoint: ['python3', '-c', 'import time; print("sleeping", flush=True); time.sleep(60)'],
        },
        OutputDataConfig: { S3OutputPath: 's3://artifacts/models' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
      }),
    );
    await waitFor('running', async () =>
      logs.some((e) => e.name === 'train-stop' && e.message === 'sleeping') ? true : undefined,
    );
    await local.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: 'train-stop' }));
    const job = await waitFor('stopped', async () => {
      const d = await local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'train-stop' }));
      return d.TrainingJobStatus === 'Stopped' ? d : undefined;
    });
    expect(job.TrainingEndTime).toBeInstanceOf(Date);
  });
});

describe('processing jobs', () => {
  it('run a FrameworkProcessor-style runproc.sh, with its container paths rewritten and python on PATH', async () => {
    await putSourceDir(local, 'code', 'fw/sourcedir.tar.gz', ['preprocess.py']);
    await putText(
      local,
      's3://code/fw/runproc.sh',
      [
        '#!/bin/bash',
        'cd /opt/ml/processing/input/code/',
        'tar -xzf sourcedir.tar.gz',
        'set -e',
        'python preprocess.py "$@"',
        '',
      ].join('\n'),
    );
    await local.sagemaker.send(
      new CreateProcessingJobCommand({
        ProcessingJobName: 'framework-proc',
        RoleArn: 'arn:aws:iam::000000000000:role/sm',
        AppSpecification: {
          ImageUri: IMAGE,
          ContainerEntrypoint: ['/bin/bash', '/opt/ml/processing/input/entrypoint/runproc.sh'],
          ContainerArguments: ['--input', '/opt/ml/processing/input/data', '--output', '/opt/ml/processing/output'],
        },
        ProcessingInputs: [
          processingInput('code', 's3://code/fw/sourcedir.tar.gz', '/opt/ml/processing/input/code'),
          processingInput('entrypoint', 's3://code/fw/runproc.sh', '/opt/ml/processing/input/entrypoint'),
          processingInput('data', 's3://lake/train', '/opt/ml/processing/input/data'),
        ],
        ProcessingOutputConfig: {
          Outputs: [processingOutput('train', 's3://artifacts/fw/train', '/opt/ml/processing/output/train')],
        },
        ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 5 } },
      }),
    );
    const job = await waitFor('framework processing', async () => {
      const d = await local.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: 'framework-proc' }));
      return finished(d.ProcessingJobStatus) ? d : undefined;
    });
    expect(job.FailureReason).toBeUndefined();
    expect(await getText(local, 's3://artifacts/fw/train/data.csv')).toBe('1,2\n3,4\n5,6\n');
  });

  it('map container paths into the job folder and upload the outputs', async () => {
    await putText(
      local,
      's3://code/preprocess/preprocess.py',
      (await import('node:fs')).readFileSync(`${__dirname}/fixtures/scripts/preprocess.py`, 'utf8'),
    );
    await local.sagemaker.send(
      new CreateProcessingJobCommand({
        ProcessingJobName: 'prep-1',
        RoleArn: 'arn:aws:iam::000000000000:role/sm',
        AppSpecification: {
          ImageUri: 'sklearn:1.2',
          ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/preprocess.py'],
          ContainerArguments: [
            '--input',
            '/opt/ml/processing/input/data',
            '--output',
            '/opt/ml/processing/output',
            '--accuracy',
            '0.75',
          ],
        },
        Environment: { STAGE: 'test' },
        ProcessingInputs: [
          processingInput('code', 's3://code/preprocess/preprocess.py', '/opt/ml/processing/input/code'),
          processingInput('data', 's3://lake/train', '/opt/ml/processing/input/data'),
        ],
        ProcessingOutputConfig: {
          Outputs: [
            processingOutput('train', 's3://artifacts/prep-1/train', '/opt/ml/processing/output/train'),
            processingOutput('evaluation', 's3://artifacts/prep-1/evaluation', '/opt/ml/processing/output/evaluation'),
          ],
        },
        ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 5 } },
      }),
    );
    const job = await waitFor('processing', async () => {
      const d = await local.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: 'prep-1' }));
      return finished(d.ProcessingJobStatus) ? d : undefined;
    });
    expect(job.FailureReason).toBeUndefined();
    expect(job.ProcessingJobStatus).toBe('Completed');
    expect(await getText(local, 's3://artifacts/prep-1/train/data.csv')).toBe('1,2\n3,4\n5,6\n');
    expect(JSON.parse(await getText(local, 's3://artifacts/prep-1/evaluation/evaluation.json'))).toEqual({
      metrics: { accuracy: { value: 0.75 } },
      rows: 3,
      env: 'test',
    });
  });
});

describe('a job that does not exist', () => {
  it('is a ValidationException "Requested resource not found." as SageMaker answers, so waiters fail at once', async () => {
    const missing = { name: 'ValidationException', message: expect.stringMatching(/^Requested resource not found\./) };
    await expect(
      local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'no-such-job' })),
    ).rejects.toMatchObject(missing);
    await expect(
      local.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: 'no-such-job' })),
    ).rejects.toMatchObject(missing);
    await expect(
      local.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: 'no-such-job' })),
    ).rejects.toMatchObject(missing);
    await expect(
      local.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: 'no-such-job' })),
    ).rejects.toMatchObject(missing);
    // The SDK's waiter treats ValidationException as a failure state: it gives up on the first answer.
    const started = Date.now();
    await expect(
      waitUntilTrainingJobCompletedOrStopped(
        { client: local.sagemaker, maxWaitTime: 60 },
        { TrainingJobName: 'no-such-job' },
      ),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('close() while a job is still preparing', () => {
  it('starts no process for it and records it as Stopped', async () => {
    const own = tempStateDir('jobs-close');
    const events: LocalLogEvent[] = [];
    const marker = `${own.dir}/started`;
    const early = await LocalSageMaker.open({ stateDir: own.dir, onLog: (e) => events.push(e) });
    try {
      await early.sagemaker.send(
        new CreateTrainingJobCommand({
          TrainingJobName: 'closed-early',
          RoleArn: 'arn:aws:iam::000000000000:role/sm',
          AlgorithmSpecification: {
            TrainingImage: IMAGE,
            TrainingInputMode: 'File',
            ContainerEntrypoint: [
              'python3',
              '-c',
              `import pathlib, time; pathlib.Path(${JSON.stringify(marker)}).write_text("x"); time.sleep(60)`,
            ],
          },
          OutputDataConfig: { S3OutputPath: 's3://artifacts/models' },
          ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
          StoppingCondition: { MaxRuntimeInSeconds: 600 },
        }),
      );
      // The job is preparing its folder now; close() must not let it spawn the 60 s process afterwards.
      const started = Date.now();
      await early.close();
      expect(Date.now() - started).toBeLessThan(20_000);
      const job = await early.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'closed-early' }));
      expect(job.TrainingJobStatus).toBe('Stopped');
      expect(events.some((e) => e.name === 'closed-early' && e.message === 'stopped before its process started')).toBe(
        true,
      );
      expect(existsSync(marker)).toBe(false);
    } finally {
      await early.close();
      own.cleanup();
    }
  }, 60_000);
});
