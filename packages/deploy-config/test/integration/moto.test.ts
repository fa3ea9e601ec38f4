/**
 * Registry, approval and deployment against moto server over HTTP. moto makes endpoints InService at once and has
 * no UpdateEndpoint, so rollouts onto an existing endpoint are covered by the local-mode suite.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  type ModelApprovalStatus,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { motoClientConfig, resetMoto } from '@sagemaker-mlops/test-services';
import type {} from '@sagemaker-mlops/test-services/moto-global-setup';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import {
  Deployer,
  type DeployProgress,
  ModelPackageNotApprovedError,
  ModelPackageNotFoundError,
  ModelRegistry,
  NoApprovedModelPackageError,
  parseStageConfig,
  PromotionRequiredError,
  resourceName,
  StageNotConfiguredError,
} from '../../src/index.js';

const endpoint = inject('motoEndpoint');
const sagemaker = new SageMakerClient(motoClientConfig(endpoint));
const s3 = new S3Client(motoClientConfig(endpoint));
const autoScaling = new ApplicationAutoScalingClient(motoClientConfig(endpoint));
const ROLE = 'arn:aws:iam::123456789012:role/SageMakerExecution';
const GROUP = 'fashion-mnist';

const staging = parseStageConfig({
  Type: 'Serverless',
  StageName: 'staging',
  EndpointName: 'fm-staging',
  ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 20 },
  Tags: { team: 'vision' },
});
const prod = parseStageConfig({
  Type: 'RealTime',
  StageName: 'prod',
  EndpointName: 'fm-prod',
  InstanceType: 'ml.m5.large',
  InitialInstanceCount: 2,
  AutoScaling: { MinCapacity: 2, MaxCapacity: 5, TargetInvocationsPerInstance: 700 },
  DataCapture: { SamplingPercentage: 80, DestinationS3Uri: 's3://mlops-artifacts/datacapture-prod' },
});

async function registerVersion(
  accuracy: number,
  status: ModelApprovalStatus = 'PendingManualApproval',
): Promise<string> {
  const key = `evaluation/${accuracy}/evaluation.json`;
  await s3.send(
    new PutObjectCommand({
      Bucket: 'mlops-artifacts',
      Key: key,
      Body: JSON.stringify({ multiclass_classification_metrics: { accuracy: { value: accuracy } } }),
      ContentType: 'application/json',
    }),
  );
  const output = await sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: GROUP,
      ModelApprovalStatus: status,
      ModelPackageDescription: `accuracy ${accuracy}`,
      InferenceSpecification: {
        Containers: [
          {
            Image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3-cpu-py311',
            ModelDataUrl: `s3://mlops-artifacts/models/${accuracy}/model.tar.gz`,
          },
        ],
        SupportedContentTypes: ['application/x-image'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      ModelMetrics: {
        ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: `s3://mlops-artifacts/${key}` } },
      },
      CustomerMetadataProperties: { accuracy: String(accuracy) },
    }),
  );
  return output.ModelPackageArn!;
}

function deployer(progress: DeployProgress[] = [], log: string[] = []) {
  return new Deployer({
    sagemaker,
    applicationAutoScaling: autoScaling,
    executionRoleArn: ROLE,
    stages: { staging, prod },
    minPollDelayMs: 1_000,
    maxPollDelayMs: 2_000,
    timeoutMs: 30_000,
    onProgress: (event) => progress.push(event),
    log: (line) => log.push(line),
  });
}

async function endpointConfigNames(): Promise<string[]> {
  const output = await sagemaker.send(new ListEndpointConfigsCommand({}));
  return (output.EndpointConfigs ?? []).map((c) => c.EndpointConfigName!).sort();
}

beforeEach(async () => {
  await resetMoto(endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: 'mlops-artifacts' }));
  await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
});

describe('model registry (moto)', () => {
  it('lists versions newest first with status, metrics read from S3 and creation time', async () => {
    const v1 = await registerVersion(0.81, 'Approved');
    const v2 = await registerVersion(0.86);
    const registry = new ModelRegistry({ sagemaker, s3 });
    const versions = await registry.listVersions(GROUP);
    expect(versions.map((v) => [v.arn, v.version, v.approvalStatus])).toEqual([
      [v2, 2, 'PendingManualApproval'],
      [v1, 1, 'Approved'],
    ]);
    expect(versions[0]!.creationTime).toBeInstanceOf(Date);
    expect(versions[0]!.customerMetadata).toEqual({ accuracy: '0.86' });
    expect(versions[0]!.metrics).toEqual([
      {
        name: 'ModelQuality.Statistics',
        s3Uri: 's3://mlops-artifacts/evaluation/0.86/evaluation.json',
        contentType: 'application/json',
        value: { multiclass_classification_metrics: { accuracy: { value: 0.86 } } },
      },
    ]);
    // Without an S3 client the references are listed, not read.
    const [first] = await new ModelRegistry({ sagemaker }).listVersions(GROUP);
    expect(first!.metrics[0]).not.toHaveProperty('value');
    expect(await registry.listVersions(GROUP, { approvalStatus: 'Approved' })).toHaveLength(1);
  });

  it('approves and rejects with a description and finds the latest approved version', async () => {
    const registry = new ModelRegistry({ sagemaker });
    await expect(registry.latestApproved(GROUP)).rejects.toBeInstanceOf(NoApprovedModelPackageError);
    const v1 = await registerVersion(0.8);
    const v2 = await registerVersion(0.85);
    const v3 = await registerVersion(0.7);
    const approved = await registry.approve(v1, { description: 'accuracy 0.80 above the 0.78 gate' });
    expect(approved).toMatchObject({
      approvalStatus: 'Approved',
      approvalDescription: 'accuracy 0.80 above the 0.78 gate',
      customerMetadata: { accuracy: '0.8' },
    });
    await registry.approve(v2, { description: 'better than v1' });
    const rejected = await registry.reject(v3, { description: 'accuracy regressed' });
    expect(rejected.approvalStatus).toBe('Rejected');
    expect((await registry.latestApproved(GROUP)).arn).toBe(v2);
    await registry.reject(v2, { description: 'found a data leak' });
    expect((await registry.latestApproved(GROUP)).arn).toBe(v1);
    await expect(registry.approve(v1, { description: '  ' })).rejects.toThrow(/needs a description/);
    await expect(registry.approve(`${v1.slice(0, -1)}99`, { description: 'x' })).rejects.toBeInstanceOf(
      ModelPackageNotFoundError,
    );
  });
});

describe('deployment (moto)', () => {
  it('deploys an approved version to a serverless staging endpoint named after the version', async () => {
    const v1 = await registerVersion(0.8, 'Approved');
    const progress: DeployProgress[] = [];
    const result = await deployer(progress).deploy('staging', { modelPackage: v1 });
    const name = result.plan.endpointConfigName;
    expect(name).toMatch(/^fm-staging-v1-\d{17}$/);
    expect(result.plan.actions.map((a) => `${a.action} ${a.resource}`)).toEqual([
      'create Model',
      'create EndpointConfig',
      'create Endpoint',
    ]);

    const model = await sagemaker.send(new DescribeModelCommand({ ModelName: name }));
    expect(model.PrimaryContainer?.ModelPackageName).toBe(v1);
    expect(model.ExecutionRoleArn).toBe(ROLE);
    const config = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
    expect(config.ProductionVariants).toEqual([
      expect.objectContaining({
        VariantName: 'AllTraffic',
        ModelName: name,
        ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 20 },
      }),
    ]);
    const described = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'fm-staging' }));
    expect(described).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: name });
    expect(result.endpointArn).toBe(described.EndpointArn);

    expect(progress.map((p) => p.phase)).toEqual(
      expect.arrayContaining(['check', 'create-model', 'create-endpoint-config', 'create-endpoint', 'wait', 'done']),
    );
    expect(progress.find((p) => p.endpointStatus === 'InService')).toMatchObject({
      phase: 'wait',
      stage: 'staging',
      endpointName: 'fm-staging',
    });
    expect(await deployer().serving('staging')).toMatchObject({
      endpointStatus: 'InService',
      modelPackageArn: v1,
      endpointConfigName: name,
    });
  });

  it('refuses a package that is not Approved, creating nothing', async () => {
    const pending = await registerVersion(0.9);
    const rejected = await registerVersion(0.91, 'Rejected');
    await expect(deployer().deploy('staging', { modelPackage: pending })).rejects.toThrow(ModelPackageNotApprovedError);
    const error = await deployer()
      .deploy('staging', { modelPackage: rejected, force: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelPackageNotApprovedError);
    expect(error).toMatchObject({ modelPackageArn: rejected, approvalStatus: 'Rejected' });
    await expect(deployer().deploy('staging', { modelPackage: `${pending.slice(0, -1)}42` })).rejects.toThrow(
      ModelPackageNotFoundError,
    );
    await expect(deployer().deploy('qa', { modelPackage: pending })).rejects.toThrow(StageNotConfiguredError);
    expect(await endpointConfigNames()).toEqual([]);
  });

  it('promotes to prod only what staging serves, unless forced; prod gets auto scaling and data capture', async () => {
    const v1 = await registerVersion(0.8, 'Approved');
    const v2 = await registerVersion(0.85, 'Approved');
    const d = deployer();
    const notOnStaging = await d.deploy('prod', { modelPackage: v1 }).catch((e: unknown) => e);
    expect(notOnStaging).toBeInstanceOf(PromotionRequiredError);
    expect((notOnStaging as Error).message).toMatch(/staging serves nothing in service/);

    await d.deploy('staging', { modelPackage: v1 });
    const wrongVersion = await d.deploy('prod', { modelPackage: v2 }).catch((e: unknown) => e);
    expect(wrongVersion).toMatchObject({ name: 'PromotionRequiredError', servingOnSource: v1, modelPackageArn: v2 });

    const result = await d.deploy('prod', { modelPackage: v1 });
    const config = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: result.plan.endpointConfigName }),
    );
    expect(config.ProductionVariants?.[0]).toMatchObject({
      InstanceType: 'ml.m5.large',
      InitialInstanceCount: 2,
      VariantName: 'AllTraffic',
    });
    expect(config.DataCaptureConfig).toMatchObject({
      EnableCapture: true,
      InitialSamplingPercentage: 80,
      DestinationS3Uri: 's3://mlops-artifacts/datacapture-prod',
      CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
    });
    const targets = await autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }));
    expect(targets.ScalableTargets).toEqual([
      expect.objectContaining({
        ResourceId: 'endpoint/fm-prod/variant/AllTraffic',
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        MinCapacity: 2,
        MaxCapacity: 5,
      }),
    ]);
    const policies = await autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker' }));
    expect(policies.ScalingPolicies?.[0]).toMatchObject({
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 700,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      },
    });

    // The same version with a prod config that dropped AutoScaling: the endpoint is kept, the scalable target goes.
    const { AutoScaling: _dropped, ...withoutScaling } = prod as Extract<typeof prod, { Type: 'RealTime' }>;
    const log: string[] = [];
    const unscaled = new Deployer({
      sagemaker,
      applicationAutoScaling: autoScaling,
      executionRoleArn: ROLE,
      stages: { staging, prod: withoutScaling },
      log: (line) => log.push(line),
    });
    const dry = await unscaled.deploy('prod', { modelPackage: v1, dryRun: true });
    expect(dry.plan.actions.map((a) => `${a.action} ${a.resource}`)).toEqual([
      'keep Endpoint',
      'deregister ScalableTarget',
    ]);
    expect(log.join('\n')).toMatch(
      /deregister\s+ScalableTarget endpoint\/fm-prod\/variant\/AllTraffic — the stage config has no AutoScaling/,
    );
    await unscaled.deploy('prod', { modelPackage: v1 });
    expect(
      (await autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }))).ScalableTargets,
    ).toEqual([]);

    // Forced: a version staging never served.
    await d
      .deploy('prod', { modelPackage: v2, dryRun: true, force: true })
      .then((r) => expect(r.plan.actions[0]).toMatchObject({ action: 'create', resource: 'Model' }));
  });

  it('dry run prints the plan and changes nothing; an up-to-date endpoint is kept as is', async () => {
    const v1 = await registerVersion(0.8, 'Approved');
    const log: string[] = [];
    const dry = await deployer([], log).deploy('staging', { modelPackage: v1, dryRun: true });
    expect(dry.executed).toBe(false);
    expect(log.join('\n')).toMatch(
      /Plan for stage staging \(endpoint fm-staging\).*version 1\)\n\s+create\s+Model fm-staging-v1-\d{17} — from arn:.*\n\s+create\s+EndpointConfig fm-staging-v1-\d{17} — serverless 2048 MB, max concurrency 20\n\s+create\s+Endpoint fm-staging/,
    );
    expect(await endpointConfigNames()).toEqual([]);

    const first = await deployer().deploy('staging', { modelPackage: v1 });
    const again = await deployer([], log).deploy('staging', { modelPackage: v1 });
    expect(again.plan.upToDate).toBe(true);
    expect(again.plan.actions).toEqual([
      expect.objectContaining({ action: 'keep', resource: 'Endpoint', name: 'fm-staging' }),
    ]);
    expect(await endpointConfigNames()).toEqual([first.plan.endpointConfigName]);

    // A second approved version on the existing endpoint plans an update (moto itself cannot run UpdateEndpoint).
    const v2 = await registerVersion(0.85, 'Approved');
    const update = await deployer([], log).deploy('staging', { modelPackage: v2, dryRun: true });
    expect(update.plan.actions.find((a) => a.resource === 'Endpoint')).toMatchObject({
      action: 'update',
      detail: `${first.plan.endpointConfigName} -> ${update.plan.endpointConfigName}`,
    });
  });

  it('cleanup keeps the newest N configs of the stage and the one in service, and deletes their models', async () => {
    const v1 = await registerVersion(0.8, 'Approved');
    const served = await deployer().deploy('staging', { modelPackage: v1 });
    // Older and newer configs of the same stage, as earlier (and one later, failed-over) rollouts leave them.
    const names = [1, 2, 3, 4].map((minute) =>
      resourceName({ endpointName: 'fm-staging', version: minute, now: new Date(Date.UTC(2026, 0, 1, 0, minute)) }),
    );
    names.push(resourceName({ endpointName: 'fm-staging', version: 9, now: new Date(Date.UTC(2099, 0, 1)) }));
    for (const name of names) {
      await sagemaker.send(
        new CreateModelCommand({ ModelName: name, PrimaryContainer: { ModelPackageName: v1 }, ExecutionRoleArn: ROLE }),
      );
      await sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: name,
          ProductionVariants: [
            {
              VariantName: 'AllTraffic',
              ModelName: name,
              ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 },
            },
          ],
        }),
      );
    }
    // Another stage's config with a similar prefix is never touched.
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'fm-staging-canary-v1-20260101000000000',
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: names[0]!,
            ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 1 },
          },
        ],
      }),
    );

    const planned = await deployer().cleanup('staging', { keepLast: 2, dryRun: true });
    // Kept: the serving one and the newest other (2099); deleted: the four from 2026-01-01.
    expect(
      planned
        .filter((a) => a.resource === 'EndpointConfig')
        .map((a) => a.name)
        .sort(),
    ).toEqual(names.slice(0, 4).sort());
    expect(await endpointConfigNames()).toHaveLength(7);

    await deployer().cleanup('staging', { keepLast: 2 });
    expect(await endpointConfigNames()).toEqual(
      [names[4]!, 'fm-staging-canary-v1-20260101000000000', served.plan.endpointConfigName].sort(),
    );
    const models = (await sagemaker.send(new ListModelsCommand({}))).Models!.map((m) => m.ModelName).sort();
    expect(models).toEqual([names[4]!, served.plan.endpointConfigName].sort());

    // keepLast 1 never deletes the config in service.
    await deployer().cleanup('staging', { keepLast: 1 });
    expect(await endpointConfigNames()).toEqual(
      ['fm-staging-canary-v1-20260101000000000', served.plan.endpointConfigName].sort(),
    );
  });
});
