/**
 * The whole approval → staging → prod path in local mode, where endpoints really run: the shared stand-in model
 * (tools/test-services) inside model.tar.gz, served by local host processes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeEndpointCommand,
  ListEndpointConfigsCommand,
  UpdateEndpointCommand,
  waitUntilEndpointInService,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { LocalSageMaker } from '@sagemaker-mlops/local';
import { motoClientConfig, resetMoto, standInModelTarball } from '@sagemaker-mlops/test-services';
import type {} from '@sagemaker-mlops/test-services/moto-global-setup';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  Deployer,
  DeploymentFailedError,
  type DeployProgress,
  EndpointBusyError,
  ModelPackageNotApprovedError,
  ModelRegistry,
  parseStageConfig,
} from '../../src/index.js';

const GROUP = 'fashion-mnist';
const FASHION_LABELS = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
const BUCKET = 'mlops-artifacts';
const IMAGE = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3-cpu-py311';

let local: LocalSageMaker;
let workDir: string;
let registry: ModelRegistry;
let deployer: Deployer;
const progress: DeployProgress[] = [];
const versions: Record<string, string> = {};

/** The model package ARN registered for a version in beforeAll. */
function arnOf(version: string): string {
  const arn = versions[version];
  if (!arn) throw new Error(`version ${version} was not registered`);
  return arn;
}

/** Writes model.tar.gz (model.json + code/inference.py) for one version into local S3 and registers it. */
async function registerVersion(version: string, options: { failToLoad?: boolean } = {}): Promise<string> {
  // Predictions depend on the request body only (choose: hash), so every version answers alike but its version.
  const tarball = standInModelTarball(
    { version, choose: 'hash', labels: FASHION_LABELS, fail_to_load: options.failToLoad ?? false },
    await mkdtemp(join(workDir, `model-${version}-`)),
  );
  const key = `models/${version}/model.tar.gz`;
  await local.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: await readFile(tarball) }));
  const output = await local.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: GROUP,
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageDescription: `test model ${version}`,
      InferenceSpecification: {
        Containers: [{ Image: IMAGE, ModelDataUrl: `s3://${BUCKET}/${key}` }],
        SupportedContentTypes: ['application/octet-stream'],
        SupportedResponseMIMETypes: ['application/json'],
      },
    }),
  );
  if (!output.ModelPackageArn) throw new Error(`no ModelPackageArn for version ${version}`);
  return output.ModelPackageArn;
}

async function invoke(
  endpointName: string,
  body = 'pixels',
): Promise<{ label: string; probabilities: Record<string, number>; model_version: string }> {
  const output = await local.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpointName,
      Body: new TextEncoder().encode(body),
      ContentType: 'application/octet-stream',
      Accept: 'application/json',
    }),
  );
  return JSON.parse(new TextDecoder().decode(output.Body));
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'deploy-config-local-'));
  local = await LocalSageMaker.open({ stateDir: join(workDir, 'state') });
  await local.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await local.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
  for (const version of ['1', '2', '3', '4'])
    versions[version] = await registerVersion(version, { failToLoad: version === '3' });
  registry = new ModelRegistry({ sagemaker: local.sagemaker });
  deployer = new Deployer({
    sagemaker: local.sagemaker,
    executionRoleArn: 'arn:aws:iam::000000000000:role/SageMakerExecution',
    stages: {
      staging: parseStageConfig(
        { Type: 'Serverless', StageName: 'staging', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 } },
        { projectName: 'fm' },
      ),
      prod: parseStageConfig(
        { Type: 'RealTime', StageName: 'prod', InstanceType: 'ml.m5.large', InitialInstanceCount: 2 },
        { projectName: 'fm' },
      ),
      canary: parseStageConfig(
        { Type: 'RealTime', StageName: 'canary', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        { projectName: 'fm' },
      ),
    },
    keepLast: 2,
    minPollDelayMs: 500,
    maxPollDelayMs: 1_000,
    timeoutMs: 120_000,
    onProgress: (event) => progress.push(event),
  });
}, 180_000);

afterAll(async () => {
  await local?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe.sequential('approve → staging → prod in local mode', () => {
  it('approves version 1 and deploys it to serverless staging, which answers with version 1', async () => {
    await registry.approve(arnOf('1'), { description: 'accuracy above the gate' });
    const result = await deployer.deploy('staging', { modelPackage: arnOf('1') });
    expect(result.plan.endpointConfigName).toMatch(/^fm-staging-v1-/);
    const prediction = await invoke('fm-staging');
    expect(prediction).toMatchObject({ model_version: '1' });
    expect(Object.keys(prediction.probabilities)).toEqual(FASHION_LABELS);
    expect(Object.values(prediction.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(local.endpointStats('fm-staging').variants).toEqual([expect.objectContaining({ kind: 'serverless' })]);
    expect(progress.some((p) => p.stage === 'staging' && p.endpointStatus === 'Creating')).toBe(true);
    expect(progress.some((p) => p.stage === 'staging' && p.endpointStatus === 'InService')).toBe(true);
  });

  it('promotes version 1 to prod on 2 instances', async () => {
    await deployer.deploy('prod', { modelPackage: arnOf('1') });
    expect(local.endpointStats('fm-prod').variants).toEqual([
      expect.objectContaining({ kind: 'instance', workers: 2 }),
    ]);
    expect(await invoke('fm-prod')).toMatchObject({ model_version: '1' });
    expect(await deployer.serving('prod')).toMatchObject({
      modelPackageArn: versions['1'],
      endpointStatus: 'InService',
    });
  });

  it('updates prod to version 2 with no failed request during the switch', async () => {
    await registry.approve(arnOf('2'), { description: 'retrained with new annotations' });
    await expect(deployer.deploy('prod', { modelPackage: arnOf('2') })).rejects.toMatchObject({
      name: 'PromotionRequiredError',
    });
    await deployer.deploy('staging', { modelPackage: arnOf('2') });
    expect(await invoke('fm-staging')).toMatchObject({ model_version: '2' });

    const seen: string[] = [];
    const failures: unknown[] = [];
    let switching = true;
    const traffic = (async () => {
      let i = 0;
      while (switching) {
        await invoke('fm-prod', `request-${i++}`).then(
          (p) => seen.push(p.model_version),
          (error: unknown) => failures.push(error),
        );
      }
    })();
    const before = progress.length;
    await deployer.deploy('prod', { modelPackage: arnOf('2') });
    // A few more requests after InService, then stop.
    for (let i = 0; i < 5; i++) await invoke('fm-prod', `after-${i}`).then((p) => seen.push(p.model_version));
    switching = false;
    await traffic;

    expect(failures).toEqual([]);
    expect(seen.length).toBeGreaterThan(10);
    expect(seen[0]).toBe('1');
    expect(seen.at(-1)).toBe('2');
    // Once version 2 answers, version 1 never answers again.
    expect(seen.slice(seen.indexOf('2')).every((v) => v === '2')).toBe(true);
    expect(progress.slice(before).some((p) => p.endpointStatus === 'Updating')).toBe(true);
    expect(local.endpointStats('fm-prod').variants[0]).toMatchObject({ workers: 2 });
  });

  it('a failing update keeps the previous version serving and says why', async () => {
    await registry.approve(arnOf('3'), { description: 'approved by mistake' });
    const before = await local.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'fm-prod' }));
    const error = await deployer.deploy('prod', { modelPackage: arnOf('3'), force: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentFailedError);
    const failed = error as DeploymentFailedError;
    expect(failed.endpointName).toBe('fm-prod');
    expect(failed.failureReason).toMatch(/fail_to_load|broken/);
    expect(failed.servingEndpointConfigName).toBe(before.EndpointConfigName);
    expect(failed.message).toContain(`keeps serving ${before.EndpointConfigName}`);

    const after = await local.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'fm-prod' }));
    expect(after).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: before.EndpointConfigName });
    expect(await invoke('fm-prod')).toMatchObject({ model_version: '2' });
    // The config and model of the failed rollout are removed.
    const configs =
      (await local.sagemaker.send(new ListEndpointConfigsCommand({ NameContains: 'fm-prod-v3' }))).EndpointConfigs ??
      [];
    expect(configs).toEqual([]);
  });

  it('refuses a package that is not approved, and prod keeps serving', async () => {
    const error = await deployer.deploy('staging', { modelPackage: arnOf('4') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelPackageNotApprovedError);
    expect((error as Error).message).toMatch(/PendingManualApproval; only Approved packages deploy/);
    await expect(deployer.deploy('prod', { modelPackage: arnOf('4'), force: true })).rejects.toBeInstanceOf(
      ModelPackageNotApprovedError,
    );
    expect(await invoke('fm-staging')).toMatchObject({ model_version: '2' });
    expect(await invoke('fm-prod')).toMatchObject({ model_version: '2' });
  });

  it('a new endpoint that fails to start is replaced by the next deployment; a busy endpoint is refused', async () => {
    const error = await deployer.deploy('canary', { modelPackage: arnOf('3') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentFailedError);
    expect(error).toMatchObject({
      servingEndpointConfigName: undefined,
      failureReason: expect.stringMatching(/fail_to_load|broken/),
    });
    expect(await deployer.serving('canary')).toMatchObject({ endpointStatus: 'Failed' });

    const plan = await deployer.plan('canary', { modelPackage: arnOf('2') });
    expect(plan.actions.filter((a) => a.resource === 'Endpoint').map((a) => a.action)).toEqual(['delete', 'create']);
    expect(plan.actions).toContainEqual(
      expect.objectContaining({
        action: 'delete',
        resource: 'EndpointConfig',
        name: expect.stringMatching(/^fm-canary-v3-/),
        detail: "the Failed endpoint's config",
      }),
    );
    await deployer.deploy('canary', { modelPackage: arnOf('2') });
    expect(await invoke('fm-canary')).toMatchObject({ model_version: '2' });

    // An update started elsewhere (here: by hand) makes the endpoint busy until it is InService again.
    const current = (await deployer.serving('canary'))?.endpointConfigName;
    expect(current).toBeDefined();
    await local.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'fm-canary', EndpointConfigName: current }));
    await expect(deployer.deploy('canary', { modelPackage: arnOf('1') })).rejects.toBeInstanceOf(EndpointBusyError);
    await waitUntilEndpointInService(
      { client: local.sagemaker, maxWaitTime: 60, minDelay: 0.5, maxDelay: 1 },
      { EndpointName: 'fm-canary' },
    );
  });

  it('steps auto scaling aside during an update and restores it, also after a failed update (Application Auto Scaling on moto)', async () => {
    const motoEndpoint = inject('motoEndpoint');
    await resetMoto(motoEndpoint);
    const autoScaling = new ApplicationAutoScalingClient(motoClientConfig(motoEndpoint));
    const calls: string[] = [];
    const recorded = new Proxy(autoScaling, {
      get: (target, property, receiver) =>
        property === 'send'
          ? (command: { constructor: { name: string } }) => {
              calls.push(command.constructor.name.replace(/Command$/, ''));
              return target.send(command as never);
            }
          : Reflect.get(target, property, receiver),
    });
    const scaled = new Deployer({
      sagemaker: local.sagemaker,
      applicationAutoScaling: recorded,
      executionRoleArn: 'arn:aws:iam::000000000000:role/SageMakerExecution',
      stages: {
        scaled: parseStageConfig(
          {
            Type: 'RealTime',
            StageName: 'scaled',
            InstanceType: 'ml.m5.large',
            InitialInstanceCount: 1,
            AutoScaling: { MinCapacity: 1, MaxCapacity: 3, TargetInvocationsPerInstance: 100 },
          },
          { projectName: 'fm' },
        ),
      },
      minPollDelayMs: 500,
      maxPollDelayMs: 1_000,
      timeoutMs: 120_000,
    });
    const targets = async () =>
      (await autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }))).ScalableTargets ??
      [];

    await scaled.deploy('scaled', { modelPackage: arnOf('1') });
    expect(await targets()).toEqual([
      expect.objectContaining({ ResourceId: 'endpoint/fm-scaled/variant/AllTraffic', MinCapacity: 1, MaxCapacity: 3 }),
    ]);
    expect(calls).toEqual(['RegisterScalableTarget', 'PutScalingPolicy']);

    calls.length = 0;
    await scaled.deploy('scaled', { modelPackage: arnOf('2') });
    expect(await invoke('fm-scaled')).toMatchObject({ model_version: '2' });
    expect(calls).toEqual([
      'DescribeScalableTargets',
      'DeregisterScalableTarget',
      'RegisterScalableTarget',
      'PutScalingPolicy',
    ]);

    calls.length = 0;
    await expect(scaled.deploy('scaled', { modelPackage: arnOf('3') })).rejects.toBeInstanceOf(DeploymentFailedError);
    expect(calls).toEqual([
      'DescribeScalableTargets',
      'DeregisterScalableTarget',
      'RegisterScalableTarget',
      'PutScalingPolicy',
    ]);
    expect(await targets()).toHaveLength(1);
    const policies =
      (await autoScaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker' }))).ScalingPolicies ??
      [];
    expect(policies.map((p) => p.PolicyName)).toEqual(['fm-scaled-invocations-per-instance']);
    expect(await invoke('fm-scaled')).toMatchObject({ model_version: '2' });
  });

  it('kept the last 2 endpoint configs per stage', async () => {
    const names = ((await local.sagemaker.send(new ListEndpointConfigsCommand({}))).EndpointConfigs ?? [])
      .map((c) => c.EndpointConfigName)
      .sort();
    expect(names.filter((n) => n?.startsWith('fm-staging-'))).toHaveLength(2);
    expect(names.filter((n) => n?.startsWith('fm-prod-'))).toHaveLength(2);
    expect(names.filter((n) => n?.startsWith('fm-canary-'))).toHaveLength(1);
  });
});
