import { CreateTrainingJobCommand, DescribeTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { venvPython } from '@sagemaker-mlops/test-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSageMaker } from '../../src/index.js';
import { putSourceDir, putText, readFromArchive, tempStateDir, waitFor } from './helpers.js';

// torchrun needs torch: the project's ML venv. Missing, the suite fails with the command that builds it
// (bash scripts/setup-python.sh ml) instead of skipping.
const mlPython = venvPython('ml');
const state = tempStateDir('ddp');
let local: LocalSageMaker;

beforeAll(async () => {
  local = await LocalSageMaker.open({
    stateDir: state.dir,
    images: [{ pattern: /pytorch-training/, python: mlPython }],
  });
});
afterAll(async () => {
  await local.close();
  state.cleanup();
});

describe('distributed training', () => {
  it('runs the script under torchrun with one process per requested instance (gloo on CPU)', async () => {
    const sourceDir = await putSourceDir(local, 'code', 'ddp/sourcedir.tar.gz', ['train_ddp.py']);
    await putText(local, 's3://lake/ddp/data.txt', 'x\n');
    await local.sagemaker.send(
      new CreateTrainingJobCommand({
        TrainingJobName: 'ddp',
        RoleArn: 'arn:aws:iam::000000000000:role/sm',
        AlgorithmSpecification: {
          TrainingImage: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5-cpu-py311',
          TrainingInputMode: 'File',
        },
        HyperParameters: {
          sagemaker_program: '"train_ddp.py"',
          sagemaker_submit_directory: JSON.stringify(sourceDir),
          sagemaker_torch_distributed_enabled: 'true',
        },
        InputDataConfig: [
          { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://lake/ddp/' } } },
        ],
        OutputDataConfig: { S3OutputPath: 's3://artifacts/ddp' },
        ResourceConfig: { InstanceType: 'ml.g5.12xlarge', InstanceCount: 2, VolumeSizeInGB: 5 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
      }),
    );
    const job = await waitFor(
      'ddp job',
      async () => {
        const d = await local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'ddp' }));
        return d.TrainingJobStatus === 'InProgress' ? undefined : d;
      },
      180_000,
      200,
    );
    expect(job.FailureReason).toBeUndefined();
    expect(job.TrainingJobStatus).toBe('Completed');
    const result = JSON.parse(await readFromArchive(local, job.ModelArtifacts?.S3ModelArtifacts as string, 'ddp.json'));
    expect(result).toEqual({ world_size: 2, sum: 3, hosts: ['algo-1', 'algo-2'] });
  }, 200_000);
});
