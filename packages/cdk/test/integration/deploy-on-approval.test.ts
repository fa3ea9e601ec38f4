/**
 * The deploy-on-approval Lambda, as built (dist/lambda-bundle/deploy-on-approval/index.mjs), run against moto with
 * the environment ApprovalDeployment gives it: an approval event deploys the version to serverless staging; a
 * promotion call deploys it to real-time prod with auto scaling, and only once staging serves it.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { motoClientConfig, resetMoto } from '@sagemaker-mlops/test-services';
import type {} from '@sagemaker-mlops/test-services/moto-global-setup';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { deployedResourcePrefix } from '../../src/index.js';
import { deployOnApprovalBundle } from '../../src/paths.js';
import { GROUP, stages } from '../fixtures/loop.js';

const endpoint = inject('motoEndpoint');
const sagemaker = new SageMakerClient(motoClientConfig(endpoint));
const autoScaling = new ApplicationAutoScalingClient(motoClientConfig(endpoint));
const ROLE = 'arn:aws:iam::123456789012:role/model-role';

type Handler = (event: unknown) => Promise<{ stage: string; endpointName: string; actions: string[] }>;
let handler: Handler;
let versionArn: string;

beforeAll(async () => {
  await resetMoto(endpoint);
  // The environment the function runs with: ApprovalDeployment's variables, AWS clients from the default chain.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    STAGE_CONFIGS: JSON.stringify(stages),
    MODEL_EXECUTION_ROLE_ARN: ROLE,
    MODEL_PACKAGE_GROUP_NAME: GROUP,
    DEPLOY_STAGE: 'staging',
    MAX_WAIT_SECONDS: '60',
  });
  handler = (await import(pathToFileURL(join(deployOnApprovalBundle(), 'index.mjs')).href)).handler as Handler;
  await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
  const created = await sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: GROUP,
      ModelApprovalStatus: 'Approved',
      InferenceSpecification: {
        Containers: [
          {
            Image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3-cpu-py311',
            ModelDataUrl: 's3://mlops-test-lake/models/model.tar.gz',
          },
        ],
        SupportedContentTypes: ['image/png'],
        SupportedResponseMIMETypes: ['application/json'],
      },
    }),
  );
  versionArn = created.ModelPackageArn!;
});

const approvalEvent = (group: string) => ({
  version: '0',
  source: 'aws.sagemaker',
  'detail-type': 'SageMaker Model Package State Change',
  detail: { ModelPackageGroupName: group, ModelPackageArn: versionArn, ModelApprovalStatus: 'Approved' },
});

describe('deploy-on-approval Lambda bundle (moto)', () => {
  it('refuses a promotion to prod before staging serves the version', async () => {
    await expect(handler({ stage: 'prod', modelPackageArn: versionArn })).rejects.toThrow(/staging/);
  });

  it('ignores nothing silently: an event of another group fails', async () => {
    await expect(handler(approvalEvent('another-group'))).rejects.toThrow(/does not match/);
  });

  it('deploys an approved version to serverless staging', async () => {
    const outcome = await handler(approvalEvent(GROUP));
    expect(outcome).toMatchObject({ stage: 'staging', endpointName: 'fashion-staging' });
    const served = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'fashion-staging' }));
    expect(served.EndpointStatus).toBe('InService');
    const config = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: served.EndpointConfigName! }),
    );
    expect(config.ProductionVariants?.[0]?.ServerlessConfig).toEqual({ MemorySizeInMB: 3072, MaxConcurrency: 5 });
    const model = await sagemaker.send(
      new DescribeModelCommand({ ModelName: config.ProductionVariants![0]!.ModelName! }),
    );
    expect(model.PrimaryContainer?.ModelPackageName).toBe(versionArn);
    expect(model.ExecutionRoleArn).toBe(ROLE);
    // The names the Deployer gives are the ones the function's role is scoped to (`<prefix>-v*`).
    const scoped = new RegExp(`^${deployedResourcePrefix('fashion-staging')}-v\\d+-`);
    expect(served.EndpointConfigName).toMatch(scoped);
    expect(config.ProductionVariants?.[0]?.ModelName).toMatch(scoped);
  });

  it('promotes the version staging serves to real-time prod with auto scaling', async () => {
    const outcome = await handler({ stage: 'prod', modelPackageArn: versionArn });
    expect(outcome).toMatchObject({ stage: 'prod', endpointName: 'fashion-prod' });
    const served = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'fashion-prod' }));
    const config = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: served.EndpointConfigName! }),
    );
    expect(config.ProductionVariants?.[0]).toMatchObject({ InstanceType: 'ml.c5.large', InitialInstanceCount: 1 });
    expect(config.DataCaptureConfig?.DestinationS3Uri).toBe('s3://mlops-test-lake/datacapture-prod');
    const targets = await autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }));
    expect(targets.ScalableTargets?.map((t) => [t.ResourceId, t.MinCapacity, t.MaxCapacity])).toEqual([
      ['endpoint/fashion-prod/variant/AllTraffic', 1, 3],
    ]);
  });
});
