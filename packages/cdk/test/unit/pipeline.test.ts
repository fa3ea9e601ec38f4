/** SageMakerPipeline: the definition deployed is pipeline.definition(); the role may do what the steps need only. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { PackagedSourceDir } from '@sagemaker-mlops/pipeline-sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  PipelineDefinitionLocationError,
  SageMakerPipeline,
  stepPolicyStatements,
  UnsupportedStepTypeError,
} from '../../src/index.js';
import { fixturePipeline, GROUP, packageCode, PIPELINE } from '../fixtures/loop.js';

const ACCOUNT = '123456789012';
const JOB_ROLE = `arn:aws:iam::${ACCOUNT}:role/jobs`;

let code: PackagedSourceDir;
beforeAll(async () => {
  code = await packageCode();
});

function newStack() {
  const app = new App();
  return { app, stack: new Stack(app, 'P', { env: { account: ACCOUNT, region: 'us-east-1' } }) };
}

/** The pipeline built from literal names: its definition holds no deploy-time value. */
function literalPipeline(stack: Stack, props: Partial<ConstructorParameters<typeof SageMakerPipeline>[2]> = {}) {
  return new SageMakerPipeline(stack, 'Pipeline', {
    pipeline: fixturePipeline({ jobRoleArn: JOB_ROLE, code: {}, lakeUri: 's3://lake-bucket/lake' }),
    jobRole: Role.fromRoleArn(stack, 'Jobs', JOB_ROLE),
    dataBuckets: [Bucket.fromBucketName(stack, 'Lake', 'lake-bucket')],
    ...props,
  });
}

function statementsOf(template: Template, roleLogicalIdPrefix: string) {
  const policies = template.findResources('AWS::IAM::Policy');
  const entry = Object.entries(policies).find(([id]) => id.startsWith(roleLogicalIdPrefix));
  expect(entry, `policy of ${roleLogicalIdPrefix}`).toBeDefined();
  return (entry![1] as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
    .PolicyDocument.Statement;
}

describe('SageMakerPipeline', () => {
  it('deploys exactly pipeline.definition() inline', () => {
    const { stack } = newStack();
    const construct = literalPipeline(stack);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SageMaker::Pipeline', 1);
    const [pipeline] = Object.values(template.findResources('AWS::SageMaker::Pipeline')) as Array<{
      Properties: { PipelineName: string; PipelineDefinition: { PipelineDefinitionBody: string }; RoleArn: unknown };
    }>;
    expect(construct.definitionLocation).toBe('inline');
    expect(pipeline!.Properties.PipelineName).toBe(PIPELINE);
    expect(pipeline!.Properties.PipelineDefinition.PipelineDefinitionBody).toBe(construct.pipeline.definition());
    expect(JSON.parse(pipeline!.Properties.PipelineDefinition.PipelineDefinitionBody)).toEqual(
      construct.pipeline.definitionObject(),
    );
    expect(pipeline!.Properties.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineRole/), 'Arn'] });
  });

  it('resolves deploy-time values (job role, code asset) inside the definition', () => {
    const { app, stack } = newStack();
    const construct = new SageMakerPipeline(stack, 'Pipeline', {
      code: { ml: code },
      pipeline: (context) => fixturePipeline({ ...context, lakeUri: 's3://lake-bucket/lake' }),
    });
    const body =
      Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(construct.cfnPipeline)].Properties
        .PipelineDefinition.PipelineDefinitionBody;
    expect(body).toEqual(stack.resolve(construct.pipeline.definition()));
    expect(body['Fn::Join']).toBeDefined();
    // With the deploy-time values filled in, it is the definition's JSON.
    const filled = (body['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : 'X')).join('');
    const steps = JSON.parse(filled).Steps as Array<{ Name: string; Arguments: Record<string, unknown> }>;
    const train = steps.find((s) => s.Name === 'Train')!;
    expect(train.Arguments.RoleArn).toBe('X');
    expect((train.Arguments.HyperParameters as Record<string, string>).sagemaker_program).toBe('"train.py"');
    const asset = construct.code.ml!.asset;
    expect((train.Arguments.HyperParameters as Record<string, string>).sagemaker_submit_directory).toBe(
      `"s3://cdk-hnb659fds-assets-${ACCOUNT}-us-east-1/${asset.assetHash}.gz"`,
    );
    const evaluate = steps.find((s) => s.Name === 'Evaluate')!;
    expect((evaluate.Arguments.AppSpecification as { ContainerEntrypoint: string[] }).ContainerEntrypoint).toEqual([
      '/bin/sh',
      '-c',
      'cd /opt/ml/processing/input/code && tar -xzf ./*.gz && exec python3 /opt/ml/processing/input/code/evaluate.py',
    ]);
    // The code archive is a file asset holding exactly pipeline-sdk's package.
    const staged = readFileSync(join(app.synth().directory, asset.assetPath));
    expect(staged.equals(code.archive)).toBe(true);
  });

  it('scopes the pipeline role to the step types present', () => {
    const { stack } = newStack();
    literalPipeline(stack);
    const statements = statementsOf(Template.fromStack(stack), 'PipelineRoleDefaultPolicy');
    const arn = (resource: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sagemaker:us-east-1:${ACCOUNT}:${resource}`]],
    });
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Action: [
            'sagemaker:AddTags',
            'sagemaker:CreateTrainingJob',
            'sagemaker:DescribeTrainingJob',
            'sagemaker:StopTrainingJob',
          ],
          Effect: 'Allow',
          Resource: arn('training-job/pipelines-*'),
        },
        {
          Action: [
            'sagemaker:AddTags',
            'sagemaker:CreateProcessingJob',
            'sagemaker:DescribeProcessingJob',
            'sagemaker:StopProcessingJob',
          ],
          Effect: 'Allow',
          Resource: arn('processing-job/pipelines-*'),
        },
        {
          Action: ['sagemaker:AddTags', 'sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage'],
          Effect: 'Allow',
          Resource: arn(`model-package/${GROUP}/*`),
        },
        {
          Action: 'iam:PassRole',
          Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
          Effect: 'Allow',
          Resource: JOB_ROLE,
        },
      ]),
    );
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
    // No step type absent from the pipeline is granted.
    expect(actions.filter((a) => /Transform|HyperParameterTuning|Endpoint|AutoML|lambda:|sqs:/.test(a))).toEqual([]);
    expect(statements.filter((s) => s.Resource === '*')).toEqual([]);
  });

  it('passes exactly the roles the steps name', () => {
    const { stack } = newStack();
    const other = `arn:aws:iam::${ACCOUNT}:role/other-jobs`;
    new SageMakerPipeline(stack, 'Pipeline', {
      pipeline: fixturePipeline({ jobRoleArn: other, code: {}, lakeUri: 's3://lake-bucket/lake' }),
    });
    const statements = statementsOf(Template.fromStack(stack), 'PipelineRoleDefaultPolicy');
    expect(statements.filter((s) => s.Action === 'iam:PassRole').map((s) => s.Resource)).toEqual([other]);
  });

  it('stores a large definition as an S3 asset holding the same bytes', () => {
    const { app, stack } = newStack();
    const construct = literalPipeline(stack, { s3Threshold: 100 });
    expect(construct.definitionLocation).toBe('s3');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SageMaker::Pipeline', {
      PipelineDefinition: {
        PipelineDefinitionS3Location: {
          Bucket: `cdk-hnb659fds-assets-${ACCOUNT}-us-east-1`,
          Key: Match.stringLikeRegexp('\\.json$'),
        },
      },
    });
    const assembly = app.synth();
    const manifest = JSON.parse(readFileSync(join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8')) as {
      files: Record<string, { source: { path: string } }>;
    };
    const definitionFile = Object.values(manifest.files).find(
      (f) => f.source.path.endsWith('.json') && !f.source.path.includes('template'),
    );
    expect(readFileSync(join(assembly.directory, definitionFile!.source.path), 'utf8')).toBe(
      construct.pipeline.definition(),
    );
  });

  it('refuses an S3 definition holding deploy-time values, and an inline one above 1 MB', () => {
    const { stack } = newStack();
    expect(
      () =>
        new SageMakerPipeline(stack, 'Pipeline', {
          pipeline: (context) => fixturePipeline({ ...context, lakeUri: 's3://lake-bucket/lake' }),
          definitionLocation: 's3',
        }),
    ).toThrow(PipelineDefinitionLocationError);
  });

  it('fails on a step type with unknown permissions', () => {
    const { stack } = newStack();
    expect(() => stepPolicyStatements(stack, [{ Name: 'Odd', Type: 'Mystery' }])).toThrow(UnsupportedStepTypeError);
    expect(stepPolicyStatements(stack, [{ Name: 'Odd', Type: 'Mystery' }], true)).toEqual([]);
  });
});
