/**
 * CloudFormation output: the parameter files load back into the same stage configs, fit the template's parameter
 * declarations, and the template creates the endpoint stack in moto's CloudFormation.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { motoClientConfig, resetMoto } from '@sagemaker-mlops/test-services';
import type {} from '@sagemaker-mlops/test-services/moto-global-setup';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import {
  endpointCloudFormationTemplate,
  loadStageConfig,
  parseStageConfig,
  TEMPLATE_PARAMETER_NAMES,
  templateConfiguration,
  writeCloudFormationArtifacts,
} from '../../src/index.js';

const endpoint = inject('motoEndpoint');
const cloudformation = new CloudFormationClient(motoClientConfig(endpoint));
const sagemaker = new SageMakerClient(motoClientConfig(endpoint));
const PACKAGE = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fashion-mnist/3';
const ROLE = 'arn:aws:iam::123456789012:role/SageMakerExecution';

const staging = parseStageConfig(
  {
    Type: 'Serverless',
    StageName: 'staging',
    ServerlessConfig: { MemorySizeInMB: 3072, MaxConcurrency: 50, ProvisionedConcurrency: 2 },
    Tags: { team: 'vision' },
  },
  { projectName: 'fashion' },
);
const prod = parseStageConfig(
  {
    Type: 'RealTime',
    StageName: 'prod',
    EndpointName: 'fashion-live',
    InstanceType: 'ml.c5.xlarge',
    InitialInstanceCount: 2,
    KmsKeyId: 'alias/mlops',
    AutoScaling: { MinCapacity: 2, MaxCapacity: 4, TargetInvocationsPerInstance: 600 },
    DataCapture: { SamplingPercentage: 80, DestinationS3Uri: 's3://mlops-artifacts/datacapture-prod' },
  },
  { projectName: 'fashion' },
);
const common = { projectName: 'fashion', projectId: 'p-abc123', modelPackageArn: PACKAGE, executionRoleArn: ROLE };

beforeEach(async () => {
  await resetMoto(endpoint);
});

describe('CloudFormation output', () => {
  it('writes the template and per-stage parameter files that load back into the same configs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cfn-'));
    const files = await writeCloudFormationArtifacts(dir, { ...common, stages: { staging, prod }, cliFormat: true });
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      'endpoint-config-template.json',
      'staging-config-export.json',
      'staging-params-export.json',
      'staging-tags-export.json',
      'prod-config-export.json',
      'prod-params-export.json',
      'prod-tags-export.json',
    ]);
    const stagingExport = JSON.parse(await readFile(join(dir, 'staging-config-export.json'), 'utf8'));
    expect(stagingExport).toEqual({
      Parameters: {
        SageMakerProjectName: 'fashion',
        ModelExecutionRoleArn: ROLE,
        ModelPackageName: PACKAGE,
        StageName: 'staging',
        EndpointType: 'Serverless',
        EndpointName: 'fashion-staging',
        VariantName: 'AllTraffic',
        MemorySizeInMB: '3072',
        MaxConcurrency: '50',
        ProvisionedConcurrency: '2',
        EnableDataCapture: 'false',
      },
      Tags: {
        team: 'vision',
        'sagemaker:deployment-stage': 'staging',
        'sagemaker:project-name': 'fashion',
        'sagemaker:project-id': 'p-abc123',
      },
    });
    const params = JSON.parse(await readFile(join(dir, 'prod-params-export.json'), 'utf8'));
    expect(params).toContainEqual({ ParameterKey: 'EndpointInstanceCount', ParameterValue: '2' });
    expect(JSON.parse(await readFile(join(dir, 'prod-tags-export.json'), 'utf8'))).toContainEqual({
      Key: 'sagemaker:deployment-stage',
      Value: 'prod',
    });

    // Round trip: the exported template configuration is itself a valid stage config in the template format.
    const stagingBack = await loadStageConfig(join(dir, 'staging-config-export.json'));
    const prodBack = await loadStageConfig(join(dir, 'prod-config-export.json'));
    expect(stagingBack).toEqual({ ...staging, Tags: stagingExport.Tags });
    expect(prodBack).toEqual({ ...prod, Tags: expect.any(Object) });
  });

  it('declares every parameter the files use, and the values fit the declarations', () => {
    const template = endpointCloudFormationTemplate() as {
      Parameters: Record<string, { AllowedValues?: unknown[]; MinValue?: number; MaxValue?: number; Type: string }>;
    };
    expect(Object.keys(template.Parameters).sort()).toEqual([...TEMPLATE_PARAMETER_NAMES].sort());
    for (const config of [staging, prod]) {
      for (const [key, value] of Object.entries(templateConfiguration(config, common).Parameters)) {
        const declared = template.Parameters[key];
        expect(declared, key).toBeDefined();
        if (declared!.AllowedValues) expect(declared!.AllowedValues.map(String), key).toContain(value);
        if (declared!.Type === 'Number') {
          expect(Number(value), key).not.toBeNaN();
          if (declared!.MinValue !== undefined) expect(Number(value), key).toBeGreaterThanOrEqual(declared!.MinValue);
          if (declared!.MaxValue !== undefined) expect(Number(value), key).toBeLessThanOrEqual(declared!.MaxValue);
        }
      }
    }
  });

  it.each([
    ['staging', staging],
    ['prod', prod],
  ] as const)('creates the %s endpoint stack in CloudFormation (moto)', async (stage, config) => {
    const configuration = templateConfiguration(config, common);
    await cloudformation.send(
      new CreateStackCommand({
        StackName: `fashion-${stage}`,
        TemplateBody: JSON.stringify(endpointCloudFormationTemplate()),
        Parameters: Object.entries(configuration.Parameters).map(([ParameterKey, ParameterValue]) => ({
          ParameterKey,
          ParameterValue,
        })),
        Tags: Object.entries(configuration.Tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    const stack = (await cloudformation.send(new DescribeStacksCommand({ StackName: `fashion-${stage}` }))).Stacks![0]!;
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    const resources = (await cloudformation.send(new ListStackResourcesCommand({ StackName: `fashion-${stage}` })))
      .StackResourceSummaries!;
    const physical = (logicalId: string) =>
      resources
        .find((r) => r.LogicalResourceId === logicalId)
        ?.PhysicalResourceId?.split('/')
        .at(-1);
    // moto's CloudFormation does not implement Application Auto Scaling resources, so the prod stack holds the three SageMaker ones.
    expect(
      resources
        .map((r) => r.LogicalResourceId)
        .filter((id) => ['Model', 'EndpointConfig', 'Endpoint'].includes(id!))
        .sort(),
    ).toEqual(['Endpoint', 'EndpointConfig', 'Model']);

    const model = await sagemaker.send(new DescribeModelCommand({ ModelName: physical('Model') }));
    expect(model).toMatchObject({ PrimaryContainer: { ModelPackageName: PACKAGE }, ExecutionRoleArn: ROLE });
    const endpointConfig = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: physical('EndpointConfig') }),
    );
    const variant = endpointConfig.ProductionVariants![0]!;
    expect(variant.ModelName).toBe(physical('Model'));
    expect(variant.VariantName).toBe('AllTraffic');
    if (config.Type === 'Serverless') {
      expect(variant.ServerlessConfig).toEqual({ MemorySizeInMB: 3072, MaxConcurrency: 50, ProvisionedConcurrency: 2 });
      expect(variant.InstanceType).toBeUndefined();
      expect(endpointConfig.DataCaptureConfig ?? {}).not.toHaveProperty('DestinationS3Uri');
    } else {
      expect(variant).toMatchObject({ InstanceType: 'ml.c5.xlarge', InitialInstanceCount: 2 });
      expect(variant.ServerlessConfig).toBeUndefined();
      expect(endpointConfig.KmsKeyId).toBe('alias/mlops');
      expect(endpointConfig.DataCaptureConfig).toMatchObject({
        InitialSamplingPercentage: 80,
        DestinationS3Uri: 's3://mlops-artifacts/datacapture-prod',
      });
    }
    const described = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: physical('Endpoint') }));
    expect(described.EndpointConfigName).toBe(physical('EndpointConfig'));
  });
});
