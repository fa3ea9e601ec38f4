/** Deploys the brightness model (fixtures/brightness-model) as a local-mode endpoint: model.tar.gz in local S3, model, config, endpoint. */
import { pollUntil } from '@sagemaker-mlops/test-services';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  type ProductionVariant,
} from '@aws-sdk/client-sagemaker';
import type { LocalSageMaker } from '@sagemaker-mlops/local';

const modelSource = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/brightness-model');

/** model.tar.gz with model.json and code/inference.py at its root, as SageMaker's PyTorch container expects. */
export function packModel(): Buffer {
  const out = join(mkdtempSync(join(tmpdir(), 'ec-model-')), 'model.tar.gz');
  execFileSync('tar', ['-czf', out, '-C', modelSource, 'model.json', 'code/inference.py']);
  return readFileSync(out);
}

export interface DeployOptions {
  endpointName: string;
  serverless?: { maxConcurrency: number };
  instanceCount?: number;
  /** Container environment, e.g. BRIGHTNESS_MODEL_SERVICE_TIME_S for a fixed service time. */
  environment?: Record<string, string>;
}

export async function deployBrightnessModel(local: LocalSageMaker, options: DeployOptions): Promise<void> {
  const bucket = 'endpoint-client-models';
  await local.s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: { name?: string }) => {
    if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
  });
  const key = `${options.endpointName}/model.tar.gz`;
  await local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: packModel() }));
  const modelName = `${options.endpointName}-model`;
  await local.sagemaker.send(
    new CreateModelCommand({
      ModelName: modelName,
      ExecutionRoleArn: 'arn:aws:iam::000000000000:role/local',
      PrimaryContainer: {
        Image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.5-cpu-py311',
        ModelDataUrl: `s3://${bucket}/${key}`,
        Environment: {
          SAGEMAKER_PROGRAM: 'inference.py',
          ...options.environment,
        },
      },
    }),
  );
  const variant: ProductionVariant = options.serverless
    ? {
        VariantName: 'AllTraffic',
        ModelName: modelName,
        ServerlessConfig: {
          MemorySizeInMB: 1024,
          MaxConcurrency: options.serverless.maxConcurrency,
        },
      }
    : {
        VariantName: 'AllTraffic',
        ModelName: modelName,
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: options.instanceCount ?? 1,
      };
  await local.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${options.endpointName}-config`,
      ProductionVariants: [variant],
    }),
  );
  await local.sagemaker.send(
    new CreateEndpointCommand({
      EndpointName: options.endpointName,
      EndpointConfigName: `${options.endpointName}-config`,
    }),
  );
  await pollUntil(
    `endpoint ${options.endpointName} to be InService`,
    async () => {
      const described = await local.sagemaker.send(new DescribeEndpointCommand({ EndpointName: options.endpointName }));
      if (described.EndpointStatus === 'Failed')
        throw new Error(`endpoint ${options.endpointName} failed: ${described.FailureReason}`);
      return described.EndpointStatus === 'InService' ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}
