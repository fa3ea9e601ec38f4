/** The `pipeline` steps: build the demo pipeline from the uploaded code and tuned defaults; upsert, start, wait. */
import { CreateModelPackageGroupCommand, DescribeModelPackageGroupCommand } from '@aws-sdk/client-sagemaker';
import { PipelineRunner } from '@sagemaker-mlops/pipeline-sdk';
import type { DemoContext } from '../context.js';
import { DemoError } from '../errors.js';
import { buildDemoPipeline, type PipelineDefaults } from '../pipeline.js';
import { imageUris, processingEntrypoint, uploadMlCode } from './ml-code.js';
import type { TuneOutputs } from './tune.js';

export function defaultsFromTune(ctx: DemoContext): PipelineDefaults {
  const tuned = ctx.state.completed('tune') as TuneOutputs | undefined;
  if (tuned) return tuned;
  return {
    modelName: 'resnet18',
    optimizer: 'SGD',
    learningRate: 0.1,
    batchSize: ctx.profile.batchSize,
    epochs: ctx.profile.trainEpochs,
    accuracyGate: 0,
  };
}

export async function pipelineRunner(ctx: DemoContext): Promise<PipelineRunner> {
  const code = await uploadMlCode(ctx);
  const pipeline = buildDemoPipeline({
    names: ctx.names,
    profile: ctx.profile,
    code,
    images: imageUris(ctx),
    defaults: defaultsFromTune(ctx),
    entrypoint: (script) => processingEntrypoint(ctx.target, script),
  });
  return new PipelineRunner(pipeline, { sagemaker: ctx.sagemaker, s3: ctx.s3, definitionBucket: ctx.names.bucket });
}

export async function ensureModelPackageGroup(ctx: DemoContext): Promise<void> {
  try {
    await ctx.sagemaker.send(
      new DescribeModelPackageGroupCommand({ ModelPackageGroupName: ctx.names.modelPackageGroupName }),
    );
  } catch {
    await ctx.sagemaker.send(
      new CreateModelPackageGroupCommand({
        ModelPackageGroupName: ctx.names.modelPackageGroupName,
        ModelPackageGroupDescription: 'Image classifier versions registered by the sagemaker-mlops demo pipeline',
      }),
    );
  }
}

export async function pipelineUpsert(ctx: DemoContext): Promise<{ pipelineArn: string; created: boolean }> {
  await ensureModelPackageGroup(ctx);
  const runner = await pipelineRunner(ctx);
  const result = await runner.upsert({
    roleArn: ctx.names.roleArn,
    description: 'sagemaker-mlops demo: preprocess, train, evaluate, register',
  });
  ctx.reporter.info(
    `pipeline ${ctx.names.pipelineName} ${result.created ? 'created' : 'updated'} (${result.definitionBytes} bytes)`,
  );
  return { pipelineArn: result.pipelineArn, created: result.created };
}

export async function pipelineStart(
  ctx: DemoContext,
  parameters: Record<string, string | number> = {},
): Promise<string> {
  const runner = await pipelineRunner(ctx);
  const execution = await runner.start(parameters);
  return execution.arn;
}

/** Waits for an execution with a progress bar over its steps; a failure names the failed step and why. */
export async function pipelineWait(
  ctx: DemoContext,
  executionArn: string,
): Promise<{ status: string; elapsedSeconds: number }> {
  const runner = await pipelineRunner(ctx);
  const execution = runner.execution(executionArn);
  const total = 5; // Preprocess, Train, Evaluate, CheckAccuracy, RegisterModel | AccuracyBelowGate
  const bar = ctx.reporter.bar(total, 'pipeline');
  try {
    const result = await execution.wait({
      pollIntervalMs: ctx.target === 'local' ? 1000 : 10_000,
      maxPollIntervalMs: ctx.target === 'local' ? 2000 : 60_000,
      throwOnFailure: false,
      onProgress: (progress) => {
        const steps = progress.steps ?? [];
        const finished = steps.filter((s) => s.status === 'Succeeded').length;
        const running = steps.filter((s) => s.status === 'Executing' || s.status === 'Starting').map((s) => s.name);
        bar.update(Math.min(total, finished), `${progress.status}${running.length ? `: ${running.join(', ')}` : ''}`);
      },
    });
    bar.update(total, result.status);
    bar.stop();
    if (result.status !== 'Succeeded') {
      const failed = (result.failedSteps ?? [])
        .map((s) => `${s.stepName}: ${s.failureReason ?? 'no reason given'}`)
        .join('; ');
      throw new DemoError(
        `pipeline execution ${result.status}: ${failed || result.failureReason || 'no reason given'}`,
        'pipeline',
      );
    }
    return { status: result.status, elapsedSeconds: Math.round(result.elapsedMs / 1000) };
  } catch (error) {
    bar.stop();
    throw error;
  }
}
