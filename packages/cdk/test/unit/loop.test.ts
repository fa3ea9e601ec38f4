/** MlopsLoop and its parts, checked on the synthesized template: resources, properties and IAM scoped as stated. */
import { endpointConfigProperties, resourceName } from '@sagemaker-mlops/deploy-config';
import type { PackagedSourceDir } from '@sagemaker-mlops/pipeline-sdk';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployedResourcePrefix } from '../../src/index.js';
import { GROUP, LAKE_BUCKET, loopStack, packageCode, PIPELINE, stages } from '../fixtures/loop.js';

const ACCOUNT = '123456789012';
const PINNED = {
  staging: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/${GROUP}/3`,
  prod: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/${GROUP}/2`,
};
const sagemakerArn = (resource: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:us-east-1:${ACCOUNT}:${resource}`]],
});

type Statement = Record<string, unknown>;
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let code: PackagedSourceDir;
let onApproval: Template;
let pinned: Template;
beforeAll(async () => {
  code = await packageCode();
  onApproval = Template.fromStack(loopStack(code).stack);
  pinned = Template.fromStack(loopStack(code, { deployment: { modelPackageArns: PINNED } }).stack);
});

/** Statements of the default policy of the role whose logical id starts with `prefix`. */
function statementsOf(template: Template, prefix: string): Statement[] {
  const policies = Object.entries(template.findResources('AWS::IAM::Policy'));
  const matching = policies.filter(([id]) => id.startsWith(prefix));
  expect(
    matching.map(([id]) => id),
    `one policy for ${prefix}`,
  ).toHaveLength(1);
  return (matching[0]![1].Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

function functionOf(template: Template, description: RegExp) {
  const functions = Object.entries(template.findResources('AWS::Lambda::Function') as Resources);
  const found = functions.filter(([, f]) => description.test(String(f.Properties.Description)));
  expect(found, `one function described ${description}`).toHaveLength(1);
  return found[0]![1].Properties as {
    Runtime: string;
    Environment: { Variables: Record<string, unknown> };
    Role: { 'Fn::GetAtt': [string, string] };
  };
}

describe('MlopsLoop (on-approval deployment)', () => {
  it('creates the loop and nothing more', () => {
    const counts = Object.values(onApproval.toJSON().Resources as Resources).reduce<Record<string, number>>(
      (acc, r) => {
        acc[r.Type] = (acc[r.Type] ?? 0) + 1;
        return acc;
      },
      {},
    );
    expect(counts).toMatchObject({
      'AWS::S3::Bucket': 2,
      'AWS::SageMaker::Pipeline': 1,
      'AWS::SageMaker::ModelPackageGroup': 1,
      'AWS::Events::Rule': 1,
      'AWS::Lambda::Function': 3,
      'AWS::Lambda::Url': 2,
      'AWS::SecretsManager::Secret': 1,
      'AWS::Logs::LogGroup': 3,
    });
    // Endpoints appear only on approval (the Deployer creates them), not in the template.
    expect(counts['AWS::SageMaker::Endpoint']).toBeUndefined();
    onApproval.hasResourceProperties('AWS::SageMaker::ModelPackageGroup', { ModelPackageGroupName: GROUP });
    onApproval.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: LAKE_BUCKET,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    for (const f of Object.values(onApproval.findResources('AWS::Lambda::Function') as Resources)) {
      expect(f.Properties.Runtime).toBe('nodejs22.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
    }
    // No managed policies: every permission is one of the statements below.
    for (const role of Object.values(onApproval.findResources('AWS::IAM::Role') as Resources)) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('deploys approved versions of this group to staging', () => {
    onApproval.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: [GROUP], ModelApprovalStatus: ['Approved'] },
      },
      State: 'ENABLED',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
    });
    const deploy = functionOf(onApproval, /^Deploys approved versions/);
    const env = deploy.Environment.Variables;
    expect(env.DEPLOY_STAGE).toBe('staging');
    expect(env.MODEL_PACKAGE_GROUP_NAME).toBe(GROUP);
    expect(JSON.parse(env.STAGE_CONFIGS as string)).toEqual(stages);
    expect(env.MAX_WAIT_SECONDS).toBe('840');
  });

  it("scopes the Deployer's role to the stages' endpoints and the group's versions", () => {
    const statements = statementsOf(onApproval, 'LoopApprovalDeploymentDeployRoleDefaultPolicy');
    const bySid = Object.fromEntries(statements.filter((s) => s.Sid).map((s) => [s.Sid, s]));
    expect(bySid.ReadApprovedVersions).toMatchObject({
      Action: 'sagemaker:DescribeModelPackage',
      Resource: sagemakerArn(`model-package/${GROUP}/*`),
    });
    expect(bySid.StageEndpoints?.Resource).toEqual([
      sagemakerArn('endpoint/fashion-staging'),
      sagemakerArn('endpoint/fashion-prod'),
    ]);
    expect(bySid.DeployedModelsAndConfigs?.Resource).toEqual([
      sagemakerArn('model/fashion-staging-v*'),
      sagemakerArn('model/fashion-prod-v*'),
      sagemakerArn('endpoint-config/fashion-staging-v*'),
      sagemakerArn('endpoint-config/fashion-prod-v*'),
    ]);
    expect(bySid.PassModelRole).toMatchObject({
      Action: 'iam:PassRole',
      Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LoopModelRole/), 'Arn'] },
    });
    // '*' only where the service has no resource-level permissions.
    const star = statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat());
    expect(star.sort()).toEqual([
      'application-autoscaling:DeleteScalingPolicy',
      'application-autoscaling:DeregisterScalableTarget',
      'application-autoscaling:DescribeScalableTargets',
      'application-autoscaling:DescribeScalingPolicies',
      'application-autoscaling:PutScalingPolicy',
      'application-autoscaling:RegisterScalableTarget',
      'sagemaker:ListEndpointConfigs',
    ]);
  });

  it('limits the webhook bridge to the lake prefix and starting this pipeline', () => {
    const bridge = functionOf(onApproval, /^Label Studio webhook bridge/);
    const env = bridge.Environment.Variables;
    expect(env.LAKE_S3_URI).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^LoopLake/) }, '/lake']],
    });
    expect(env.PIPELINE_NAME).toBe(PIPELINE);
    expect(env.ANNOTATION_THRESHOLD).toBe('20');
    // The secret is resolved by CloudFormation from Secrets Manager; the template holds a reference only.
    expect(JSON.stringify(env.WEBHOOK_SECRET)).toMatch(/\{\{resolve:secretsmanager:.*SecretString/);
    onApproval.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 40, ExcludePunctuation: true },
    });
    const statements = statementsOf(onApproval, 'LoopWebhookBridgeRoleDefaultPolicy');
    const lakeArn = { 'Fn::GetAtt': [expect.stringMatching(/^LoopLake/), 'Arn'] };
    expect(statements).toEqual([
      expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] }),
      {
        Sid: 'LakeObjects',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [lakeArn, '/lake/*']] },
      },
      {
        Sid: 'LakeListing',
        Action: 's3:ListBucket',
        Condition: { StringLike: { 's3:prefix': ['lake/*'] } },
        Effect: 'Allow',
        Resource: lakeArn,
      },
      {
        Sid: 'StartThePipeline',
        Action: 'sagemaker:StartPipelineExecution',
        Effect: 'Allow',
        Resource: sagemakerArn(`pipeline/${PIPELINE}`),
      },
    ]);
    onApproval.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', InvokeMode: 'BUFFERED' });
  });

  it('scopes to the prefix the Deployer names resources with, also for long endpoint names', () => {
    const long = 'a-very-long-endpoint-name-for-the-staging-stage-of-the-project';
    for (const endpointName of ['fashion-staging', long]) {
      const name = resourceName({ endpointName, version: 42, now: new Date() });
      expect(name.startsWith(`${deployedResourcePrefix(endpointName)}-v42-`), name).toBe(true);
    }
  });

  it('lets the front-end invoke and describe the two endpoints only', () => {
    const web = functionOf(onApproval, /^Web front-end/);
    expect(web.Environment.Variables).toMatchObject({
      STAGING_ENDPOINT_NAME: 'fashion-staging',
      PROD_ENDPOINT_NAME: 'fashion-prod',
    });
    const statements = statementsOf(onApproval, 'LoopFrontEndWebRoleDefaultPolicy');
    expect(statements.slice(1)).toEqual([
      {
        Sid: 'PredictAndShowState',
        Action: ['sagemaker:InvokeEndpoint', 'sagemaker:DescribeEndpoint'],
        Effect: 'Allow',
        Resource: [sagemakerArn('endpoint/fashion-staging'), sagemakerArn('endpoint/fashion-prod')],
      },
    ]);
  });

  it('lets each function write only to its own log group', () => {
    for (const prefix of ['LoopFrontEndWebRole', 'LoopWebhookBridgeRole', 'LoopApprovalDeploymentDeployRole']) {
      const [logs] = statementsOf(onApproval, `${prefix}DefaultPolicy`);
      expect(logs).toEqual({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${prefix.replace('Role', 'Logs')}`)), 'Arn'] },
      });
    }
  });
});

describe('MlopsLoop (pinned versions: StagedEndpoints)', () => {
  const resourcesOf = (type: string) => Object.entries(pinned.findResources(type) as Resources);

  it('declares serverless staging and real-time prod from the stage configs, with the shared property builders', () => {
    expect(pinned.findResources('AWS::Events::Rule')).toEqual({});
    const models = resourcesOf('AWS::SageMaker::Model');
    expect(
      models.map(([, m]) => (m.Properties.PrimaryContainer as { ModelPackageName: string }).ModelPackageName),
    ).toEqual([PINNED.staging, PINNED.prod]);
    const configs = resourcesOf('AWS::SageMaker::EndpointConfig');
    expect(configs).toHaveLength(2);
    for (const [[, config], stage, [modelId]] of [
      [configs[0]!, stages.staging, models[0]!],
      [configs[1]!, stages.prod, models[1]!],
    ] as const) {
      const { Tags, ...properties } = config.Properties;
      expect(properties).toEqual(endpointConfigProperties(stage, { 'Fn::GetAtt': [modelId, 'ModelName'] }));
      expect(Tags).toEqual(expect.arrayContaining([{ Key: 'sagemaker:deployment-stage', Value: stage.StageName }]));
    }
    expect(configs[0]![1].Properties.ProductionVariants).toEqual([
      {
        ModelName: expect.anything(),
        VariantName: 'AllTraffic',
        ServerlessConfig: { MemorySizeInMB: 3072, MaxConcurrency: 5 },
      },
    ]);
    expect(configs[1]![1].Properties).toMatchObject({
      ProductionVariants: [{ InstanceType: 'ml.c5.large', InitialInstanceCount: 1, InitialVariantWeight: 1 }],
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 20,
        DestinationS3Uri: `s3://${LAKE_BUCKET}/datacapture-prod`,
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
      },
    });
    pinned.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'fashion-staging' });
    pinned.hasResourceProperties('AWS::SageMaker::Endpoint', { EndpointName: 'fashion-prod' });
  });

  it('auto-scales prod on invocations per instance', () => {
    pinned.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'sagemaker',
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      ResourceId: 'endpoint/fashion-prod/variant/AllTraffic',
      MinCapacity: 1,
      MaxCapacity: 3,
    });
    pinned.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 300,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    });
    const raw = pinned.toJSON().Resources as Record<string, { Type: string; DependsOn?: string[] }>;
    const targetEntry = Object.values(raw).find((r) => r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget')!;
    expect(targetEntry.DependsOn?.some((id) => /Endpoint/.test(id))).toBe(true);
  });

  it('lets the model role write data capture into the lake and read artifacts, nothing else in S3', () => {
    const statements = statementsOf(pinned, 'LoopModelRoleDefaultPolicy');
    const s3 = statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('s3:')));
    const lakeArn = { 'Fn::GetAtt': [expect.stringMatching(/^LoopLake/), 'Arn'] };
    expect(s3).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [lakeArn, '/*']] } },
      { Action: ['s3:ListBucket', 's3:GetBucketLocation'], Effect: 'Allow', Resource: lakeArn },
      {
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [lakeArn, '/*']] },
      },
    ]);
  });
});
