/** The lifecycle over HTTP with the real AWS SDK clients against moto server. */
import type {} from '@sagemaker-mlops/test-services/moto-global-setup';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribePipelineExecutionCommand,
  ListPipelineParametersForExecutionCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { motoClientConfig, resetMoto } from '@sagemaker-mlops/test-services';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import {
  FailStep,
  ParameterBoolean,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
} from '../../../src/core/index.js';
import {
  INLINE_DEFINITION_LIMIT_BYTES,
  PipelineDefinitionTooLargeError,
  PipelineNotFoundError,
  PipelineParameterError,
  PipelineRunner,
  SelectiveExecutionError,
  type PipelineSource,
  type WaitProgress,
} from '../../../src/lifecycle/index.js';

const endpoint = inject('motoEndpoint');
const sagemaker = new SageMakerClient(motoClientConfig(endpoint));
const s3 = new S3Client(motoClientConfig(endpoint));
const roleArn = 'arn:aws:iam::123456789012:role/SageMakerPipelineRole';

function seedPipeline(name = 'fashion-mnist'): Pipeline {
  return new Pipeline({
    name,
    parameters: [
      new ParameterString({ name: 'InputData', defaultValue: 's3://lake/raw/fashion.zip' }),
      new ParameterString({
        name: 'ModelApprovalStatus',
        defaultValue: 'PendingManualApproval',
        enumValues: ['PendingManualApproval', 'Approved'],
      }),
      new ParameterInteger({ name: 'Epochs', defaultValue: 5 }),
      new ParameterFloat({ name: 'AccuracyGate', defaultValue: 0.8 }),
      new ParameterBoolean({ name: 'UseSpot', defaultValue: true }),
    ],
    steps: [new FailStep({ name: 'Stop', errorMessage: 'stop here' })],
  });
}

describe('PipelineRunner against moto', () => {
  beforeEach(async () => {
    await resetMoto(endpoint);
  });

  it('creates the pipeline, then updates it in place (and adds tags)', async () => {
    const runner = new PipelineRunner(seedPipeline(), { sagemaker });
    const created = await runner.upsert({ roleArn, description: 'v1', tags: { team: 'ml' } });
    expect(created).toMatchObject({
      created: true,
      pipelineArn: 'arn:aws:sagemaker:us-east-1:123456789012:pipeline/fashion-mnist',
    });
    const first = await runner.describe();
    expect(JSON.parse(first.PipelineDefinition ?? '')).toEqual(JSON.parse(seedPipeline().definition()));
    expect(first.PipelineDescription).toBe('v1');

    const v2 = new Pipeline({ name: 'fashion-mnist', steps: [new FailStep({ name: 'StopV2', errorMessage: 'v2' })] });
    const updated = await new PipelineRunner(v2, { sagemaker }).upsert({
      roleArn,
      description: 'v2',
      tags: { stage: 'dev' },
      parallelism: 3,
    });
    expect(updated).toMatchObject({ created: false, pipelineArn: created.pipelineArn });
    const second = await runner.describe();
    expect(JSON.parse(second.PipelineDefinition ?? '').Steps[0].Name).toBe('StopV2');
    expect(second.PipelineDescription).toBe('v2');
    expect(second.ParallelismConfiguration).toEqual({ MaxParallelExecutionSteps: 3 });
    const tags = await sagemaker.send(new ListTagsCommand({ ResourceArn: created.pipelineArn }));
    expect(tags.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'team', Value: 'ml' },
        { Key: 'stage', Value: 'dev' },
      ]),
    );
  });

  it('sends a definition over 100 KB through S3 as PipelineDefinitionS3Location', async () => {
    const filler = 'x'.repeat(INLINE_DEFINITION_LIMIT_BYTES);
    const big: PipelineSource = {
      name: 'big-pipeline',
      parameters: [],
      definition: () => JSON.stringify({ Version: '2020-12-01', Metadata: { filler }, Parameters: [], Steps: [] }),
    };
    await expect(new PipelineRunner(big, { sagemaker }).upsert({ roleArn })).rejects.toBeInstanceOf(
      PipelineDefinitionTooLargeError,
    );

    await s3.send(new CreateBucketCommand({ Bucket: 'definitions' }));
    const runner = new PipelineRunner(big, {
      sagemaker,
      s3,
      definitionBucket: 'definitions',
      definitionKeyPrefix: 'pipelines/',
    });
    const result = await runner.upsert({ roleArn });
    expect(result.definitionBytes).toBeGreaterThan(INLINE_DEFINITION_LIMIT_BYTES);
    expect(result.definitionS3Uri).toMatch(
      /^s3:\/\/definitions\/pipelines\/big-pipeline\/definition-[0-9a-f]{64}\.json$/,
    );
    const key = result.definitionS3Uri!.replace('s3://definitions/', '');
    const stored = await s3.send(new GetObjectCommand({ Bucket: 'definitions', Key: key }));
    // Compared as booleans: a failure diff of 100 KB helps nobody.
    expect((await stored.Body!.transformToString()) === big.definition()).toBe(true);
    // moto read the definition back from S3, as SageMaker does (moto hands it back parsed, not as a string).
    const echoed: unknown = (await runner.describe()).PipelineDefinition;
    const parsed = (typeof echoed === 'string' ? JSON.parse(echoed) : echoed) as { Metadata?: { filler?: string } };
    expect(parsed.Metadata?.filler === filler).toBe(true);
    // The update path takes the S3 location too.
    expect((await runner.upsert({ roleArn })).created).toBe(false);
  });

  it('starts executions with checked, formatted parameters and execution options', async () => {
    const runner = new PipelineRunner(seedPipeline(), { sagemaker });
    await runner.upsert({ roleArn });
    const execution = await runner.start(
      { Epochs: 12, AccuracyGate: 0.85, UseSpot: false, ModelApprovalStatus: 'Approved' },
      {
        clientRequestToken: 'retrain-2026-11-27-annotations-500',
        parallelism: 2,
        displayName: 'retrain-500',
        description: 'threshold crossed',
      },
    );
    expect(execution.arn).toMatch(/^arn:aws:sagemaker:us-east-1:123456789012:pipeline\/fashion-mnist\/execution\/\w+$/);
    const params = await sagemaker.send(
      new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: execution.arn }),
    );
    expect(params.PipelineParameters).toEqual([
      { Name: 'Epochs', Value: '12' },
      { Name: 'AccuracyGate', Value: '0.85' },
      { Name: 'UseSpot', Value: 'false' },
      { Name: 'ModelApprovalStatus', Value: 'Approved' },
    ]);
    const described = await sagemaker.send(
      new DescribePipelineExecutionCommand({ PipelineExecutionArn: execution.arn }),
    );
    expect(described).toMatchObject({
      PipelineExecutionDisplayName: 'retrain-500',
      PipelineExecutionDescription: 'threshold crossed',
      ParallelismConfiguration: { MaxParallelExecutionSteps: 2 },
    });
  });

  it('rejects bad parameter values before calling SageMaker, listing every problem', async () => {
    const runner = new PipelineRunner(seedPipeline(), { sagemaker });
    await runner.upsert({ roleArn });
    const error = await runner
      .start({ Epochs: 2.5, AccuracyGate: '0.9' as unknown as number, ModelApprovalStatus: 'Rejected', Epoch: 3 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineParameterError);
    const problems = (error as PipelineParameterError).problems;
    expect(problems.map((p) => p.name)).toEqual(['Epochs', 'AccuracyGate', 'ModelApprovalStatus', 'Epoch']);
    expect((error as Error).message).toContain(
      'Epoch: not a parameter of this pipeline; declared: InputData, ModelApprovalStatus, Epochs, AccuracyGate, UseSpot',
    );
    expect((error as Error).message).toContain(
      '"Rejected" is not one of its enum values ["PendingManualApproval","Approved"]',
    );
    expect(await runner.listExecutions()).toEqual([]);
  });

  it('waits for the end: moto has no ListPipelineExecutionSteps, so steps are reported unavailable', async () => {
    const runner = new PipelineRunner(seedPipeline(), { sagemaker });
    await runner.upsert({ roleArn });
    const execution = await runner.start();
    const progress: WaitProgress[] = [];
    const result = await execution.wait({ pollIntervalMs: 10, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({
      status: 'Succeeded',
      steps: null,
      failedSteps: null,
      polls: 1,
      executionArn: execution.arn,
    });
    expect(progress).toEqual([expect.objectContaining({ status: 'Succeeded', steps: null, poll: 1 })]);
  });

  it('lists executions newest first, with a limit, and resolves an execution by ARN', async () => {
    const runner = new PipelineRunner(seedPipeline(), { sagemaker });
    await runner.upsert({ roleArn });
    const a = await runner.start({}, { displayName: 'first' });
    const b = await runner.start({}, { displayName: 'second' });
    const all = await runner.listExecutions();
    expect(all.map((e) => e.arn).sort()).toEqual([a.arn, b.arn].sort());
    expect(all.every((e) => e.status === 'Succeeded')).toBe(true);
    expect(await runner.listExecutions({ limit: 1 })).toHaveLength(1);
    expect((await runner.execution(b.arn).describe()).PipelineExecutionDisplayName).toBe('second');
  });

  it('checks selective execution against the definition and needs an earlier execution', async () => {
    const runner = new PipelineRunner(seedPipeline(), { sagemaker });
    await runner.upsert({ roleArn });
    await expect(runner.start({}, { selectedSteps: ['Train'] })).rejects.toThrow(
      new SelectiveExecutionError('fashion-mnist', "no step named 'Train'; steps: Stop"),
    );
    await expect(runner.start({}, { selectedSteps: ['Stop'] })).rejects.toThrow(
      /no earlier execution to reuse outputs from/,
    );
    const full = await runner.start();
    const partial = await runner.start({}, { selectedSteps: ['Stop'] });
    expect(partial.arn).not.toBe(full.arn);
  });

  it('names the pipeline when it does not exist', async () => {
    const runner = new PipelineRunner(seedPipeline('never-created'), { sagemaker });
    await expect(runner.describe()).rejects.toBeInstanceOf(PipelineNotFoundError);
    await expect(runner.start()).rejects.toThrow(
      "pipeline 'never-created' does not exist: create it with upsert() first",
    );
    await expect(runner.listExecutions()).rejects.toBeInstanceOf(PipelineNotFoundError);
  });
});
