/**
 * Deploys the shared stand-in model (tools/test-services), choosing by brightness, as a local-mode endpoint:
 * model.tar.gz in local S3, model, config, endpoint.
 */
import { pollUntil, standInModelArchive } from '@sagemaker-mlops/test-services';
import { PutObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  type ProductionVariant,
} from '@aws-sdk/client-sagemaker';
import type { LocalSageMaker } from '@sagemaker-mlops/local';
import { CLASS_LEVELS } from './images.js';

/** model.tar.gz of the stand-in: the nearest of CLASS_LEVELS by mean gray level, as images.ts's expectedPrediction. */
export function packModel(): Buffer {
  return standInModelArchive({ version: '1', choose: 'brightness', centroids: CLASS_LEVELS, temperature: 20 });
}

export interface DeployOptions {
  endpointName: string;
  serverless?: { maxConcurrency: number };
  instanceCount?: number;
  /** Container environment, e.g. STAND_IN_SERVICE_TIME_S for a fixed service time. */
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
