/**
 * `--target aws` against moto server, as far as moto goes: the pipeline upsert (code assets to S3,
 * model package group, CreatePipeline), a start, the registry (approve), endpoint configs and
 * endpoints (deploy staging and prod), and status. moto records these but runs nothing: no job,
 * no pipeline step, no model behind an endpoint — the loop itself is tested in local mode (all.e2e.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribePipelineCommand,
  ListModelPackagesCommand,
  ListPipelineExecutionsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { motoClientConfig, resetMoto } from '@sagemaker-mlops/test-services';
import type {} from '@sagemaker-mlops/test-services/moto-global-setup';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './cli.js';

const moto = inject('motoEndpoint');
const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
let dir: string;
let configFile: string;
const sagemaker = new SageMakerClient(motoClientConfig(moto));
const s3 = new S3Client(motoClientConfig(moto));
const cli = (...args: string[]) =>
  runCli(['--target', 'aws', '--config', configFile, '--state-dir', join(dir, 'state'), ...args], { env });

beforeAll(async () => {
  await resetMoto(moto);
  dir = mkdtempSync(join(tmpdir(), 'demo-aws-moto-'));
  configFile = join(dir, 'aws.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      region: 'us-east-1',
      roleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      bucket: 'demo-moto-bucket',
      pipelineName: 'demo-moto',
      endpointUrl: moto,
    }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: 'demo-moto-bucket' }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.sequential('--target aws against moto server', () => {
  it('rejects an invalid config file, naming the field and the fix', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ region: 'moon-1', roleArn: 'admin', bucket: 'Bad_Bucket' }));
    const result = await runCli(['--target', 'aws', '--config', bad, 'status'], { env });
    expect(result.code).toBe(1);
    expect(result.output).toContain(`The AWS config ${bad} is invalid`);
    expect(result.output).toMatch(/roleArn: an IAM role ARN/);
    expect(result.output).toMatch(/bucket: an S3 bucket name/);
  });

  it('pipeline upsert: uploads the code, creates the model package group and the pipeline', async () => {
    const result = await cli('pipeline', 'upsert');
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('pipeline demo-moto created');
    const definition = JSON.parse(
      (await sagemaker.send(new DescribePipelineCommand({ PipelineName: 'demo-moto' }))).PipelineDefinition ?? '{}',
    ) as {
      Steps: Array<{
        Name: string;
        Arguments: { AppSpecification?: { ContainerEntrypoint: string[]; ImageUri: string } };
      }>;
      Parameters: Array<{ Name: string }>;
    };
    // On SageMaker the processing jobs install requirements.txt first: the stock PyTorch image lacks timm, captum, alibi-detect.
    expect(definition.Steps[0]?.Arguments.AppSpecification?.ContainerEntrypoint.slice(0, 2)).toEqual(['bash', '-c']);
    expect(definition.Steps[0]?.Arguments.AppSpecification?.ImageUri).toBe(
      '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5-cpu-py311',
    );
    expect(definition.Steps.map((s) => s.Name)).toEqual(['Preprocess', 'Train', 'Evaluate', 'CheckAccuracy']);
    expect(definition.Parameters.map((p) => p.Name)).toEqual([
      'ModelName',
      'BatchSize',
      'Optimizer',
      'LearningRate',
      'Epochs',
      'LakePrefix',
      'AccuracyGate',
    ]);
    const code = await s3.send(new ListObjectsV2Command({ Bucket: 'demo-moto-bucket', Prefix: 'demo-moto/code/' }));
    const keys = (code.Contents ?? []).map((o) => o.Key ?? '');
    expect(keys.some((k) => k.endsWith('/sourcedir.tar.gz'))).toBe(true);
    expect(keys.some((k) => k.endsWith('/processing/evaluate.py'))).toBe(true);
    expect(keys.some((k) => k.endsWith('/processing/requirements.txt'))).toBe(true);
  });

  it('pipeline start: starts an execution with typed parameters (moto records it, runs nothing)', async () => {
    const result = await cli('pipeline', 'start', '--no-wait', 'Epochs=2', 'AccuracyGate=0.8');
    expect(result.code, result.output).toBe(0);
    const executions = await sagemaker.send(new ListPipelineExecutionsCommand({ PipelineName: 'demo-moto' }));
    expect(executions.PipelineExecutionSummaries).toHaveLength(1);
    const wrong = await cli('pipeline', 'start', '--no-wait', 'Epochs=two');
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(/Epochs/);
  });

  it('approve: approves the version the pipeline registered (registered here by hand: moto runs no RegisterModel step)', async () => {
    await sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'sagemaker-mlops-demo',
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [
            {
              Image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6-cpu-py312',
              ModelDataUrl: 's3://demo-moto-bucket/model.tar.gz',
            },
          ],
          SupportedContentTypes: ['image/png'],
          SupportedResponseMIMETypes: ['application/json'],
        },
      }),
    );
    const result = await cli('approve');
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('model version 1 approved');
    const packages = await sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: 'sagemaker-mlops-demo' }),
    );
    expect(packages.ModelPackageSummaryList?.[0]?.ModelApprovalStatus).toBe('Approved');
  });

  it('deploy staging then prod: serverless and real-time endpoint configs and endpoints', async () => {
    const staging = await cli('deploy', 'staging');
    expect(staging.code, staging.output).toBe(0);
    const endpoint = await sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: 'sagemaker-mlops-demo-staging' }),
    );
    const config = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
    );
    expect(config.ProductionVariants?.[0]?.ServerlessConfig).toEqual({ MemorySizeInMB: 2048, MaxConcurrency: 5 });
    const prod = await cli('deploy', 'prod');
    expect(prod.code, prod.output).toBe(0);
    const prodEndpoint = await sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: 'sagemaker-mlops-demo-prod' }),
    );
    const prodConfig = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: prodEndpoint.EndpointConfigName }),
    );
    expect(prodConfig.ProductionVariants?.[0]).toMatchObject({ InstanceType: 'ml.m5.large', InitialInstanceCount: 1 });
  });

  it('status: what is deployed and which version', async () => {
    const result = await cli('status');
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('staging: sagemaker-mlops-demo-staging InService, model version 1');
    expect(result.output).toContain('prod: sagemaker-mlops-demo-prod InService, model version 1');
    expect(result.output).toContain('registry sagemaker-mlops-demo: v1 Approved');
  });
});
