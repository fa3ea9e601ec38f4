/**
 * Behaviours of SageMaker that scripts and Python-SDK pipelines rely on: network-isolation training (the source
 * ships as a "code" channel), custom job name prefixes, RegisterModel into a group that does not exist yet,
 * and batch transform (SplitType / BatchStrategy / AssembleWith) directly and as a pipeline step.
 */
import {
  CreateModelCommand,
  CreateModelPackageCommand,
  CreatePipelineCommand,
  CreateTrainingJobCommand,
  CreateTransformJobCommand,
  DescribeModelPackageGroupCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  ListPipelineExecutionStepsCommand,
  StartPipelineExecutionCommand,
  type TransformJobStatus,
} from '@aws-sdk/client-sagemaker';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSageMaker } from '../../src/index.js';
import { getText, putModelArchive, putSourceDir, putText, readFromArchive, tempStateDir, waitFor } from './helpers.js';

const ROLE = 'arn:aws:iam::000000000000:role/sm';
const IMAGE = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5-cpu-py311';
const state = tempStateDir('fidelity');
let local: LocalSageMaker;

// Counts the records of each request, so the output shows how the input was split and batched.
const BATCH_INFERENCE_PY = `
import json
def model_fn(model_dir):
    return None
def input_fn(body, content_type):
    text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body
    return [line for line in text.split("\\n") if line]
def predict_fn(rows, model):
    return {"records": len(rows), "sum": sum(float(r.split(",")[0]) for r in rows)}
def output_fn(prediction, accept):
    return json.dumps(prediction), "application/json"
`;

beforeAll(async () => {
  local = await LocalSageMaker.open({ stateDir: state.dir, images: [{ pattern: /pytorch/, python: 'python3' }] });
  await putSourceDir(local, 'fid', 'code/sourcedir.tar.gz', ['train.py', 'helper.py']);
  await putText(local, 's3://fid/train/part-1.csv', '1,2\n3,4\n');
  await putText(local, 's3://fid/batch/a.csv', '1,x\n2,y\n3,z\n');
  await putText(local, 's3://fid/batch/b.csv', '10,x\n');
  const model = await putModelArchive(local, 'fid', 'batch-model/model.tar.gz', {
    'code/inference.py': BATCH_INFERENCE_PY,
  });
  await local.sagemaker.send(
    new CreateModelCommand({
      ModelName: 'batch-model',
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: 'pytorch-inference', ModelDataUrl: model },
    }),
  );
});
afterAll(async () => {
  await local.close();
  state.cleanup();
});

describe('training with network isolation', () => {
  it('runs the source from the code channel (sagemaker_submit_directory=/opt/ml/input/data/code/...)', async () => {
    await local.sagemaker.send(
      new CreateTrainingJobCommand({
        TrainingJobName: 'isolated',
        RoleArn: ROLE,
        EnableNetworkIsolation: true,
        AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' },
        HyperParameters: {
          sagemaker_program: '"train.py"',
          sagemaker_submit_directory: '"/opt/ml/input/data/code/sourcedir.tar.gz"',
          epochs: '2',
          lr: '0.1',
        },
        InputDataConfig: [
          { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://fid/train/' } } },
          {
            ChannelName: 'code',
            DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://fid/code/sourcedir.tar.gz' } },
          },
        ],
        OutputDataConfig: { S3OutputPath: 's3://fid/models' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
        StoppingCondition: { MaxRuntimeInSeconds: 300 },
      }),
    );
    const job = await waitFor('training', async () => {
      const d = await local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'isolated' }));
      return d.TrainingJobStatus === 'InProgress' ? undefined : d;
    });
    expect(job.FailureReason ?? '').toBe('');
    const model = JSON.parse(
      await readFromArchive(local, job.ModelArtifacts?.S3ModelArtifacts as string, 'model.json'),
    );
    expect(model).toMatchObject({ rows: 2, channels: ['code', 'train'], cwd_has_helper: true });
  });

  it('cannot reach the network: a server on this machine is not reachable from the job', async () => {
    const server = createServer((_req, res) => res.end('reached')).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    try {
      await putModelArchive(local, 'fid', 'netcheck/sourcedir.tar.gz', {
        'netcheck.py': `
import json, os, socket
results = {}
try:
    socket.create_connection(("127.0.0.1", ${port}), timeout=2).close()
    results["host"] = "reached"
except OSError:
    results["host"] = "blocked"
open(os.path.join(os.environ["SM_MODEL_DIR"], "net.json"), "w").write(json.dumps(results))
`,
      });
      const run = async (name: string, isolate: boolean) => {
        await local.sagemaker.send(
          new CreateTrainingJobCommand({
            TrainingJobName: name,
            RoleArn: ROLE,
            EnableNetworkIsolation: isolate,
            AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' },
            HyperParameters: {
              sagemaker_program: '"netcheck.py"',
              sagemaker_submit_directory: '"s3://fid/netcheck/sourcedir.tar.gz"',
            },
            InputDataConfig: [
              {
                ChannelName: 'train',
                DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://fid/train/' } },
              },
            ],
            OutputDataConfig: { S3OutputPath: 's3://fid/models' },
            ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
            StoppingCondition: { MaxRuntimeInSeconds: 300 },
          }),
        );
        const job = await waitFor('training', async () => {
          const d = await local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
          return d.TrainingJobStatus === 'InProgress' ? undefined : d;
        });
        expect(job.FailureReason ?? '').toBe('');
        return JSON.parse(await readFromArchive(local, job.ModelArtifacts?.S3ModelArtifacts as string, 'net.json'));
      };
      expect(await run('net-open', false)).toEqual({ host: 'reached' });
      expect(await run('net-isolated', true)).toEqual({ host: 'blocked' });
    } finally {
      server.close();
    }
  });

  it('says which channel is missing when the code channel is not there', async () => {
    await local.sagemaker.send(
      new CreateTrainingJobCommand({
        TrainingJobName: 'isolated-no-code',
        RoleArn: ROLE,
        EnableNetworkIsolation: true,
        AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' },
        HyperParameters: {
          sagemaker_program: '"train.py"',
          sagemaker_submit_directory: '"/opt/ml/input/data/code/sourcedir.tar.gz"',
        },
        InputDataConfig: [
          { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://fid/train/' } } },
        ],
        OutputDataConfig: { S3OutputPath: 's3://fid/models' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
        StoppingCondition: { MaxRuntimeInSeconds: 300 },
      }),
    );
    const job = await waitFor('training', async () => {
      const d = await local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'isolated-no-code' }));
      return d.TrainingJobStatus === 'InProgress' ? undefined : d;
    });
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.FailureReason).toMatch(/not in the job's channels.*"code" channel/);
  });
});

async function transform(name: string, options: Record<string, unknown>) {
  await local.sagemaker.send(
    new CreateTransformJobCommand({
      TransformJobName: name,
      ModelName: 'batch-model',
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://fid/batch/' } },
        ContentType: 'text/csv',
        SplitType: options.SplitType as 'Line' | 'None',
      },
      TransformOutput: {
        S3OutputPath: `s3://fid/transformed/${name}`,
        Accept: 'application/json',
        AssembleWith: options.AssembleWith as 'Line' | 'None',
      },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      ...(options.BatchStrategy ? { BatchStrategy: options.BatchStrategy as 'SingleRecord' | 'MultiRecord' } : {}),
    }),
  );
  const job = await waitFor(`transform ${name}`, async () => {
    const d = await local.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: name }));
    return d.TransformJobStatus === ('InProgress' satisfies TransformJobStatus) ? undefined : d;
  });
  expect(job.FailureReason ?? '').toBe('');
  expect(job.TransformJobStatus).toBe('Completed');
  return {
    a: await getText(local, `s3://fid/transformed/${name}/a.csv.out`),
    b: await getText(local, `s3://fid/transformed/${name}/b.csv.out`),
  };
}

describe('batch transform', () => {
  it('SplitType Line + SingleRecord + AssembleWith Line: one request per line, one output line each', async () => {
    const out = await transform('single', { SplitType: 'Line', BatchStrategy: 'SingleRecord', AssembleWith: 'Line' });
    expect(
      out.a
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { records: 1, sum: 1 },
      { records: 1, sum: 2 },
      { records: 1, sum: 3 },
    ]);
    expect(JSON.parse(out.b)).toEqual({ records: 1, sum: 10 });
  });

  it('SplitType Line + MultiRecord: the records of an object go in as few requests as MaxPayloadInMB allows', async () => {
    const out = await transform('multi', { SplitType: 'Line', BatchStrategy: 'MultiRecord', AssembleWith: 'Line' });
    expect(JSON.parse(out.a)).toEqual({ records: 3, sum: 6 });
  });

  it('SplitType None: each object is one request, outputs assembled as they come', async () => {
    const out = await transform('whole', { SplitType: 'None', AssembleWith: 'None' });
    expect(JSON.parse(out.a)).toEqual({ records: 3, sum: 6 });
    expect(JSON.parse(out.b)).toEqual({ records: 1, sum: 10 });
  });
});

describe('pipelines', () => {
  it('run Transform steps, use the job names given in the arguments as prefixes, and create a missing model group', async () => {
    const definition = {
      Version: '2020-12-01',
      Parameters: [],
      PipelineExperimentConfig: null,
      Steps: [
        {
          Name: 'Train',
          Type: 'Training',
          Arguments: {
            TrainingJobName: 'my-custom-train',
            AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' },
            HyperParameters: {
              sagemaker_program: '"train.py"',
              sagemaker_submit_directory: '"s3://fid/code/sourcedir.tar.gz"',
              epochs: '1',
              lr: '0.2',
            },
            InputDataConfig: [
              {
                ChannelName: 'train',
                DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://fid/train/' } },
              },
            ],
            OutputDataConfig: { S3OutputPath: 's3://fid/pipeline-models' },
            ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
            StoppingCondition: { MaxRuntimeInSeconds: 300 },
            RoleArn: ROLE,
          },
        },
        {
          Name: 'BatchScore',
          Type: 'Transform',
          Arguments: {
            TransformJobName: 'nightly-scoring',
            ModelName: 'batch-model',
            TransformInput: {
              DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://fid/batch/' } },
              ContentType: 'text/csv',
              SplitType: 'Line',
            },
            TransformOutput: { S3OutputPath: 's3://fid/pipeline-scores', AssembleWith: 'Line' },
            TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
            BatchStrategy: 'MultiRecord',
          },
        },
        {
          Name: 'Register',
          Type: 'RegisterModel',
          Arguments: {
            ModelPackageGroupName: 'created-by-the-pipeline',
            ModelApprovalStatus: 'PendingManualApproval',
            InferenceSpecification: {
              Containers: [{ Image: IMAGE, ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } }],
              SupportedContentTypes: ['application/json'],
              SupportedResponseMIMETypes: ['application/json'],
            },
          },
        },
      ],
    };
    await expect(
      local.sagemaker.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: 'created-by-the-pipeline',
          InferenceSpecification: {
            Containers: [{ Image: IMAGE }],
            SupportedContentTypes: ['application/json'],
            SupportedResponseMIMETypes: ['application/json'],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await local.sagemaker.send(
      new CreatePipelineCommand({
        PipelineName: 'fidelity',
        PipelineDefinition: JSON.stringify(definition),
        RoleArn: ROLE,
      }),
    );
    const { PipelineExecutionArn } = await local.sagemaker.send(
      new StartPipelineExecutionCommand({ PipelineName: 'fidelity' }),
    );
    const result = await local.waitForPipelineExecution(PipelineExecutionArn as string);
    expect(result.FailureReason ?? '').toBe('');
    expect(result.PipelineExecutionStatus).toBe('Succeeded');
    const { PipelineExecutionSteps: steps = [] } = await local.sagemaker.send(
      new ListPipelineExecutionStepsCommand({ PipelineExecutionArn }),
    );
    const byName = Object.fromEntries(steps.map((s) => [s.StepName, s]));
    expect(byName.Train?.Metadata?.TrainingJob?.Arn).toMatch(/:training-job\/my-custom-train-/);
    expect(byName.BatchScore?.Metadata?.TransformJob?.Arn).toMatch(/:transform-job\/nightly-scoring-/);
    const transformName = String(byName.BatchScore?.Metadata?.TransformJob?.Arn).split('/').pop();
    const described = await local.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: transformName }));
    expect(described.TransformJobStatus).toBe('Completed');
    expect(JSON.parse(await getText(local, 's3://fid/pipeline-scores/a.csv.out'))).toEqual({ records: 3, sum: 6 });
    const group = await local.sagemaker.send(
      new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'created-by-the-pipeline' }),
    );
    expect(group.ModelPackageGroupStatus).toBe('Completed');
    expect(byName.Register?.Metadata?.RegisterModel?.Arn).toMatch(/created-by-the-pipeline\/1$/);
  });
});
