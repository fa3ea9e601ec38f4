/**
 * The synthesized loop created in moto's CloudFormation, published the way `cdk deploy` publishes it: the assets go to
 * the bootstrap bucket first (directories zipped), the bootstrap version is in SSM, then CreateStack.
 * moto implements only some resource types; the test states which ones it checks for real.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetBucketEncryptionCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { motoClientConfig, resetMoto } from '@sagemaker-mlops/test-services';
import type {} from '@sagemaker-mlops/test-services/moto-global-setup';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { GROUP, LAKE_BUCKET, loopStack, PIPELINE, packageCode } from '../fixtures/loop.js';

const ACCOUNT = '123456789012';
const PINNED = {
  staging: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/${GROUP}/3`,
  prod: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/${GROUP}/2`,
};
const endpoint = inject('motoEndpoint');
const config = motoClientConfig(endpoint);
const cloudformation = new CloudFormationClient(config);
const s3 = new S3Client(config);
const ssm = new SSMClient(config);
const iam = new IAMClient(config);
const lambda = new LambdaClient(config);
const events = new EventBridgeClient(config);
const sagemaker = new SageMakerClient(config);
const run = promisify(execFile);

interface AssetManifest {
  files: Record<
    string,
    {
      source: { path: string; packaging?: 'file' | 'zip' };
      destinations: Record<string, { bucketName: string; objectKey: string }>;
    }
  >;
}

/** What `cdk deploy` does before CreateStack: publish every file asset (zipping directories) and the template. */
async function publishAssets(assemblyDir: string, manifestFile: string, account: string, region: string) {
  const manifest = JSON.parse(readFileSync(join(assemblyDir, manifestFile), 'utf8')) as AssetManifest;
  const buckets = new Set<string>();
  const work = mkdtempSync(join(tmpdir(), 'cdk-publish-'));
  for (const [hash, asset] of Object.entries(manifest.files)) {
    let body: Buffer;
    if (asset.source.packaging === 'zip') {
      const zip = join(work, `${hash}.zip`);
      await run('zip', ['-q', '-r', zip, '.'], { cwd: join(assemblyDir, asset.source.path) });
      body = readFileSync(zip);
    } else {
      body = readFileSync(join(assemblyDir, asset.source.path));
    }
    for (const destination of Object.values(asset.destinations)) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CDK's asset placeholders, filled the way CloudFormation would
      const bucket = destination.bucketName.replace('${AWS::AccountId}', account).replace('${AWS::Region}', region);
      if (!buckets.has(bucket)) {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        buckets.add(bucket);
      }
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: destination.objectKey, Body: body }));
    }
  }
}

/** Resource types of the loop that moto's CloudFormation does not implement (it records them and creates nothing). */
export const MOTO_UNSUPPORTED = [
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy',
  'AWS::SageMaker::Pipeline',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::SecretsManager::Secret',
  'AWS::Lambda::Url',
];

/**
 * The template as synthesized, less the outputs that read an attribute of a type moto does not implement (moto fails
 * CreateStack on those instead of skipping them).
 */
function forMoto(templateBody: string): string {
  const template = JSON.parse(templateBody) as {
    Resources: Record<string, { Type: string }>;
    Outputs?: Record<string, { Value: unknown }>;
  };
  const unsupported = new Set(
    Object.entries(template.Resources)
      .filter(([, r]) => MOTO_UNSUPPORTED.includes(r.Type))
      .map(([id]) => id),
  );
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    const getAtt = (output.Value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt && unsupported.has(getAtt[0])) delete template.Outputs![name];
  }
  return JSON.stringify(template);
}

async function putBootstrapVersion() {
  // What `cdk bootstrap` leaves in SSM; the template's BootstrapVersion parameter reads it.
  await ssm.send(new PutParameterCommand({ Name: '/cdk-bootstrap/hnb659fds/version', Value: '30', Type: 'String' }));
}

async function createLoopStack(mode: 'on-approval' | 'pinned') {
  const code = await packageCode();
  const { app, stack } = loopStack(code, mode === 'pinned' ? { deployment: { modelPackageArns: PINNED } } : {});
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  await putBootstrapVersion();
  await publishAssets(assembly.directory, `${stack.artifactId}.assets.json`, ACCOUNT, 'us-east-1');
  const stackName = `loop-${mode}`;
  await cloudformation.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: forMoto(readFileSync(join(assembly.directory, artifact.templateFile), 'utf8')),
      Capabilities: ['CAPABILITY_IAM'],
    }),
  );
  const described = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  const status = described.Stacks?.[0]?.StackStatus;
  if (status !== 'CREATE_COMPLETE') {
    const events = await cloudformation.send(new DescribeStackEventsCommand({ StackName: stackName }));
    throw new Error(
      `stack ${status}: ${events.StackEvents?.map((e) => `${e.LogicalResourceId} ${e.ResourceStatus} ${e.ResourceStatusReason ?? ''}`).join('\n')}`,
    );
  }
  const listed = await cloudformation.send(new ListStackResourcesCommand({ StackName: stackName }));
  // Every resource of a type moto implements was created; the others are all of MOTO_UNSUPPORTED's types.
  const template = JSON.parse(readFileSync(join(assembly.directory, artifact.templateFile), 'utf8')) as {
    Resources: Record<string, { Type: string }>;
  };
  const expected = Object.entries(template.Resources)
    .filter(([, r]) => !MOTO_UNSUPPORTED.includes(r.Type) && r.Type !== 'AWS::S3::BucketPolicy')
    .map(([id, r]) => `${id} ${r.Type}`)
    .sort();
  const created = (listed.StackResourceSummaries ?? [])
    .filter((r) => r.ResourceStatus === 'CREATE_COMPLETE' && r.ResourceType)
    .map((r) => `${r.LogicalResourceId} ${r.ResourceType}`)
    .sort();
  expect(created).toEqual(expected);
  const physical = (logicalPrefix: string) => {
    const pattern = new RegExp(`^${logicalPrefix}[0-9A-F]{8}$`);
    const found = (listed.StackResourceSummaries ?? []).filter((r) => pattern.test(r.LogicalResourceId ?? ''));
    expect(found, logicalPrefix).toHaveLength(1);
    return found[0]!.PhysicalResourceId!;
  };
  return { physical, resources: listed.StackResourceSummaries ?? [] };
}

async function inlinePolicy(roleName: string) {
  const { PolicyNames } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  expect(PolicyNames).toHaveLength(1);
  const { PolicyDocument } = await iam.send(
    new GetRolePolicyCommand({ RoleName: roleName, PolicyName: PolicyNames![0]! }),
  );
  return JSON.parse(decodeURIComponent(PolicyDocument!)) as { Statement: Array<Record<string, unknown>> };
}

beforeEach(async () => {
  await resetMoto(endpoint);
});

describe('the loop stack in moto CloudFormation', () => {
  it('creates the lake, roles, functions and the approval rule (on-approval deployment)', async () => {
    const { physical } = await createLoopStack('on-approval');

    const lake = physical('LoopLake');
    expect(lake).toBe(LAKE_BUCKET);
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: lake }));
    expect(
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    ).toBe('AES256');

    const bridge = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: physical('LoopWebhookBridgeFunction') }),
    );
    expect(bridge.Runtime).toBe('nodejs22.x');
    expect(bridge.Handler).toBe('index.handler');
    expect(bridge.Environment?.Variables).toMatchObject({
      LAKE_S3_URI: `s3://${LAKE_BUCKET}/lake`,
      PIPELINE_NAME: PIPELINE,
      ANNOTATION_THRESHOLD: '20',
    });
    const bridgePolicy = await inlinePolicy(physical('LoopWebhookBridgeRole'));
    expect(bridgePolicy.Statement).toContainEqual({
      Sid: 'StartThePipeline',
      Action: 'sagemaker:StartPipelineExecution',
      Effect: 'Allow',
      Resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:pipeline/${PIPELINE}`,
    });
    expect(bridgePolicy.Statement).toContainEqual({
      Sid: 'LakeObjects',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Effect: 'Allow',
      Resource: `arn:aws:s3:::${LAKE_BUCKET}/lake/*`,
    });

    const deploy = physical('LoopApprovalDeploymentDeployFunction');
    const rule = physical('LoopApprovalDeploymentApproved');
    const described = await events.send(new DescribeRuleCommand({ Name: rule }));
    expect(JSON.parse(described.EventPattern!)).toEqual({
      source: ['aws.sagemaker'],
      'detail-type': ['SageMaker Model Package State Change'],
      detail: { ModelPackageGroupName: [GROUP], ModelApprovalStatus: ['Approved'] },
    });
    const targets = await events.send(new ListTargetsByRuleCommand({ Rule: rule }));
    expect(targets.Targets?.map((t) => t.Arn)).toEqual([
      (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: deploy }))).FunctionArn,
    ]);
  }, 120_000);

  it('creates serverless staging and real-time prod with data capture (pinned versions)', async () => {
    const { physical } = await createLoopStack('pinned');
    // moto names CloudFormation endpoints itself (it ignores EndpointName): look them up by physical id.
    const nameOf = (arn: string) => arn.split('/').pop()!;
    const staging = await sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: nameOf(physical('LoopEndpointsstagingEndpoint')) }),
    );
    const prod = await sagemaker.send(
      new DescribeEndpointCommand({ EndpointName: nameOf(physical('LoopEndpointsprodEndpoint')) }),
    );
    expect(staging.EndpointArn).toBeDefined();
    const stagingConfig = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: staging.EndpointConfigName! }),
    );
    expect(stagingConfig.ProductionVariants?.[0]?.ServerlessConfig).toEqual({
      MemorySizeInMB: 3072,
      MaxConcurrency: 5,
    });
    const prodConfig = await sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: prod.EndpointConfigName! }),
    );
    expect(prodConfig.ProductionVariants?.[0]).toMatchObject({ InstanceType: 'ml.c5.large', InitialInstanceCount: 1 });
    expect(prodConfig.DataCaptureConfig).toMatchObject({
      InitialSamplingPercentage: 20,
      DestinationS3Uri: `s3://${LAKE_BUCKET}/datacapture-prod`,
    });
    const model = await sagemaker.send(
      new DescribeModelCommand({ ModelName: prodConfig.ProductionVariants![0]!.ModelName! }),
    );
    expect(model.PrimaryContainer?.ModelPackageName).toBe(PINNED.prod);
    expect(model.ExecutionRoleArn).toContain(physical('LoopModelRole'));
  }, 120_000);
});
