/** The `tune` step: a preprocessing job for the split, then tune.py's Optuna study as one training job. */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { CreateProcessingJobCommand, CreateTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { z } from 'zod';
import type { DemoContext } from '../context.js';
import { DemoError } from '../errors.js';
import type { PipelineDefaults } from '../pipeline.js';
import { waitForProcessingJob, waitForTrainingJob } from './job-waits.js';
import { imageUris, processingEntrypoint, uploadMlCode } from './ml-code.js';

export interface TuneOutputs extends PipelineDefaults {
  tunedAccuracy: number;
  trainingJobName: string;
  [key: string]: unknown;
}

/**
 * Tuning as the seed does it, on the same data as training: a preprocessing job (preprocess.py) makes the
 * train/validation split, then tune.py runs an Optuna study as one training job. Its best parameters
 * become the pipeline's defaults and its accuracy (minus the profile's margin) the gate.
 */
export async function tuneStep(ctx: DemoContext): Promise<TuneOutputs> {
  const { names, profile } = ctx;
  const code = await uploadMlCode(ctx, 'tune.py');
  const stamp = Date.now();
  const images = imageUris(ctx);
  const dataPrefix = `s3://${names.bucket}/${names.pipelineName}/tuning/${stamp}`;
  const processingJobName = `demo-tune-data-${stamp}`;
  const input = (name: string, uri: string, localPath: string) => ({
    InputName: name,
    AppManaged: false,
    S3Input: {
      S3Uri: uri,
      LocalPath: localPath,
      S3DataType: 'S3Prefix' as const,
      S3InputMode: 'File' as const,
      S3DataDistributionType: 'FullyReplicated' as const,
    },
  });
  const output = (name: string) => ({
    OutputName: name,
    AppManaged: false,
    S3Output: {
      S3Uri: `${dataPrefix}/${name}`,
      LocalPath: `/opt/ml/processing/${name}`,
      S3UploadMode: 'EndOfJob' as const,
    },
  });
  await ctx.sagemaker.send(
    new CreateProcessingJobCommand({
      ProcessingJobName: processingJobName,
      RoleArn: names.roleArn,
      AppSpecification: {
        ImageUri: images.processing,
        ContainerEntrypoint: processingEntrypoint(ctx.target, 'preprocess.py'),
        ContainerArguments: [
          '--raw',
          '/opt/ml/processing/input/raw',
          '--annotated-dir',
          '/opt/ml/processing/input/annotated',
          '--train-output',
          '/opt/ml/processing/train',
          '--validation-output',
          '/opt/ml/processing/validation',
          '--test-output',
          '/opt/ml/processing/test',
          '--report-output',
          '/opt/ml/processing/report',
          '--image-size',
          String(profile.imageSize),
        ],
      },
      ProcessingResources: {
        ClusterConfig: { InstanceCount: 1, InstanceType: names.processingInstanceType as never, VolumeSizeInGB: 30 },
      },
      ProcessingInputs: [
        input('code', code.processingCode, '/opt/ml/processing/input/code'),
        input('raw', `s3://${names.bucket}/${names.lakePrefix}/raw`, '/opt/ml/processing/input/raw'),
        input('annotated', `s3://${names.bucket}/${names.lakePrefix}/annotated`, '/opt/ml/processing/input/annotated'),
      ],
      ProcessingOutputConfig: { Outputs: ['train', 'validation', 'test', 'report'].map(output) },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    }),
  );
  await waitForProcessingJob(ctx, processingJobName, 'tune');

  const jobName = `demo-tune-${stamp}`;
  const channel = (name: string) => ({
    ChannelName: name,
    DataSource: {
      S3DataSource: {
        S3DataType: 'S3Prefix' as const,
        S3Uri: `${dataPrefix}/${name}`,
        S3DataDistributionType: 'FullyReplicated' as const,
      },
    },
  });
  await ctx.sagemaker.send(
    new CreateTrainingJobCommand({
      TrainingJobName: jobName,
      RoleArn: names.roleArn,
      AlgorithmSpecification: {
        TrainingImage: images.training,
        TrainingInputMode: 'File',
        MetricDefinitions: [{ Name: 'best:val_accuracy', Regex: 'best_val_accuracy=([0-9.]+)' }],
      },
      HyperParameters: {
        ...code.trainingHyperParameters,
        ...profile.trainHyperParameters,
        ...profile.tuneHyperParameters,
        'n-trials': String(profile.tuneTrials),
        models: profile.tuneModels.join(','),
        epochs: String(profile.tuneEpochs),
        'batch-size': String(profile.batchSize),
      },
      InputDataConfig: [channel('train'), channel('validation')],
      OutputDataConfig: { S3OutputPath: `s3://${names.bucket}/${names.pipelineName}/tuning/${stamp}/jobs` },
      ResourceConfig: { InstanceCount: 1, InstanceType: names.trainingInstanceType as never, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 3 * 3600 },
    }),
  );
  const job = await waitForTrainingJob(ctx, jobName, 'tune');
  const best = await readBestJson(ctx, job.ModelArtifacts?.S3ModelArtifacts);
  const accuracyGate = Math.max(0, Math.round((best.accuracy - profile.gateMargin) * 1000) / 1000);
  ctx.reporter.info(
    `best: ${best.model}, ${best.optimizer}, lr ${best.lr.toPrecision(3)}, validation accuracy ${best.accuracy.toFixed(4)}; gate ${accuracyGate}`,
  );
  return {
    trainingJobName: jobName,
    modelName: best.model,
    optimizer: best.optimizer,
    learningRate: best.lr,
    batchSize: profile.batchSize,
    epochs: profile.trainEpochs,
    tunedAccuracy: best.accuracy,
    accuracyGate,
  };
}

async function readBestJson(
  ctx: DemoContext,
  modelArtifacts: string | undefined,
): Promise<{ model: string; optimizer: string; lr: number; accuracy: number }> {
  if (!modelArtifacts) throw new DemoError('the tuning job has no model artifacts', 'tune');
  // tune.py writes best.json into the model folder, which the job packs as model.tar.gz.
  // ModelArtifacts is s3://bucket/key: the standard URL parser finds the bucket; the key is the rest, verbatim
  // (the parser would percent-encode it).
  const { protocol, hostname: bucket } = new URL(modelArtifacts);
  if (protocol !== 's3:' || !bucket)
    throw new DemoError(`the tuning job's artifacts are not in S3: ${modelArtifacts}`, 'tune');
  const key = modelArtifacts.slice(`s3://${bucket}/`.length);
  const object = await ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await object.Body?.transformToByteArray();
  if (!bytes) throw new DemoError(`${modelArtifacts} is empty`, 'tune');
  const folder = join(ctx.workDir, 'tuning');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const archive = join(folder, 'model.tar.gz');
  writeFileSync(archive, bytes);
  const { extract } = await import('tar');
  await extract({ file: archive, cwd: folder });
  const bestFile = findFile(folder, 'best.json');
  if (!bestFile) throw new DemoError(`best.json is missing from ${modelArtifacts}`, 'tune');
  const best = bestJsonSchema.safeParse(JSON.parse(readFileSync(bestFile, 'utf8')));
  if (!best.success)
    throw new DemoError(
      `best.json from the tuning job is not what tune.py writes: ${z.prettifyError(best.error)}`,
      'tune',
    );
  return { model: best.data.model, optimizer: best.data.optimizer, lr: best.data.lr, accuracy: best.data.val_accuracy };
}

const bestJsonSchema = z.object({
  model: z.string(),
  optimizer: z.string(),
  lr: z.number().positive(),
  val_accuracy: z.number().min(0).max(1),
});

function findFile(dir: string, name: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const hit = findFile(path, name);
      if (hit) return hit;
    } else if (entry.name === name) return path;
  }
  return undefined;
}
