import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateModelPackageGroupCommand,
  CreateProcessingJobCommand,
  CreateTrainingJobCommand,
  DescribeModelPackageGroupCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import {
  Deployer,
  ModelRegistry,
  type ModelPackageVersion,
  parseStageConfig,
  type StageConfig,
} from '@sagemaker-mlops/deploy-config';
import { EndpointClient } from '@sagemaker-mlops/endpoint-client';
import { formatReport, runEndpointTest, type EndpointTestReport } from '@sagemaker-mlops/endpoint-client/testing';
import { PipelineRunner, pytorchImageUri, uploadSourceDir } from '@sagemaker-mlops/pipeline-sdk';
import { z } from 'zod';
import { appRoot, type DemoContext, mlRoot } from './context.js';
import { ensureDataset } from './dataset.js';
import { DemoError, MissingPrerequisiteError } from './errors.js';
import { buildDemoPipeline, type CodeLocations, type ImageUris, type PipelineDefaults } from './pipeline.js';
import { runPython } from './python.js';

export const RAW_DATASET_NAME = 'fashion-mnist.zip';
/** What the jobs and endpoints need of apps/demo/ml; tests, benchmarks and their work folders stay out. */
const ML_CODE_FILES = [
  'common.py',
  'preprocess.py',
  'train.py',
  'tune.py',
  'evaluate.py',
  'code/inference.py',
  'code/modeling.py',
  'code/requirements.txt',
];

/** A clean copy of the container code, so the uploaded archive holds exactly ML_CODE_FILES. */
function stageMlCode(ctx: DemoContext): string {
  const dir = join(ctx.workDir, 'ml-code');
  rmSync(dir, { recursive: true, force: true });
  for (const file of ML_CODE_FILES) {
    const source = join(mlRoot, file);
    if (!existsSync(source)) throw new DemoError(`apps/demo/ml/${file} is missing`, 'code');
    mkdirSync(join(dir, file, '..'), { recursive: true });
    copyFileSync(source, join(dir, file));
  }
  // SageMaker's PyTorch training container pip-installs requirements.txt from the source folder; processing
  // jobs install it in their entrypoint (see processingEntrypoint). Local mode runs in the ML venv instead.
  writeFileSync(join(dir, 'requirements.txt'), SAGEMAKER_REQUIREMENTS.join('\n') + '\n');
  return dir;
}

/**
 * What the PyTorch 2.5 / Python 3.11 DLC images lack, pinned as in apps/demo/ml/requirements.txt (torch and
 * torchvision come with the image). alibi-detect 0.11.4 is the last Apache-2.0 release and needs numpy < 2.
 */
const SAGEMAKER_REQUIREMENTS = [
  'timm==1.0.15',
  'optuna==4.2.1',
  'captum==0.8.0',
  'alibi-detect==0.11.4',
  'numba==0.57.1',
  'llvmlite==0.40.1',
  'numpy==1.24.4',
  'pillow==9.5.0',
  'scikit-image==0.21.0',
  'tensorboard==2.19.0',
  'protobuf==5.29.5',
];

/**
 * The entrypoint of a processing job running `script` from the code input. On SageMaker it first installs
 * requirements.txt (the stock PyTorch image has no timm, captum or alibi-detect); local mode's venv has them.
 */
export function processingEntrypoint(target: 'local' | 'aws', script: string): string[] {
  const path = `/opt/ml/processing/input/code/${script}`;
  if (target === 'local') return ['python3', path];
  return [
    'bash',
    '-c',
    `python3 -m pip install --quiet -r /opt/ml/processing/input/code/requirements.txt && exec python3 ${path} "$@"`,
    script,
  ];
}

// ------------------------------------------------------------------------------------------------
// data

export interface DataOutputs {
  rawUri: string;
  heldOutDir: string;
  poolDir: string;
  poolUri: string;
  images: number;
  [key: string]: unknown;
}

/** Builds the raw data set zip and the unlabelled pool with make_dataset.py, and puts them in the lake. */
export async function dataStep(ctx: DemoContext): Promise<DataOutputs> {
  const { profile, names } = ctx;
  ensureDataset(ctx.reporter);
  const dataDir = join(ctx.workDir, 'data');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const zip = join(dataDir, RAW_DATASET_NAME);
  const testZip = join(dataDir, 'fashion-mnist-test.zip');
  const poolDir = join(dataDir, 'pool');
  await runPython(
    ctx.python,
    [
      join(mlRoot, 'make_dataset.py'),
      'fashion',
      '--output',
      zip,
      '--test-output',
      testZip,
      '--size',
      String(profile.imageSize),
      '--per-class',
      String(profile.imagesPerClass),
      '--pool-dir',
      poolDir,
      '--pool-count',
      String(profile.poolSize),
      '--pool-labels',
      join(dataDir, 'pool-labels.json'),
    ],
    { step: 'data', onLine: (line) => ctx.reporter.info(line) },
  );
  // Held-out images for the endpoint tests: the first N of each class of the official test split,
  // which no training run sees, as <dir>/<label>/<image>.png (the test kit reads the folder as the label).
  const heldOutDir = join(ctx.workDir, 'heldout');
  rmSync(heldOutDir, { recursive: true, force: true });
  await runPython(
    ctx.python,
    [
      '-c',
      [
        'import sys, zipfile, os, collections',
        'zip_path, out, per_class = sys.argv[1], sys.argv[2], int(sys.argv[3])',
        'seen = collections.Counter()',
        'with zipfile.ZipFile(zip_path) as z:',
        '    for name in sorted(z.namelist()):',
        '        if name.endswith("/"): continue',
        '        label = name.split("/")[-2]',
        '        if seen[label] >= per_class: continue',
        '        seen[label] += 1',
        '        os.makedirs(os.path.join(out, label), exist_ok=True)',
        '        open(os.path.join(out, label, os.path.basename(name)), "wb").write(z.read(name))',
        'print(f"held out {sum(seen.values())} test images of {len(seen)} classes")',
      ].join('\n'),
      testZip,
      heldOutDir,
      String(profile.heldOutPerClass),
    ],
    { step: 'data', onLine: (line) => ctx.reporter.info(line) },
  );
  rmSync(testZip, { force: true });

  await ensureBucket(ctx);
  const rawKey = `${names.lakePrefix}/raw/${RAW_DATASET_NAME}`;
  await ctx.s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: rawKey, Body: readFileSync(zip) }));
  // The annotated/ prefix must hold an object: a processing input with no objects fails on SageMaker.
  await ctx.s3.send(
    new PutObjectCommand({
      Bucket: names.bucket,
      Key: `${names.lakePrefix}/annotated/README.txt`,
      Body: 'Annotated images land here as <label>/<task-id>-<file> (written by the labeling-bridge webhook).\n',
    }),
  );
  const poolFiles = readdirSync(poolDir).filter((f) => f.endsWith('.png'));
  const bar = ctx.reporter.bar(poolFiles.length, 'uploading the unlabelled pool');
  let done = 0;
  for (const file of poolFiles) {
    await ctx.s3.send(
      new PutObjectCommand({
        Bucket: names.bucket,
        Key: `${names.lakePrefix}/unlabelled/${file}`,
        Body: readFileSync(join(poolDir, file)),
        ContentType: 'image/png',
      }),
    );
    bar.update(++done);
  }
  bar.stop();
  return {
    rawUri: `s3://${names.bucket}/${rawKey}`,
    heldOutDir,
    poolDir,
    poolUri: `s3://${names.bucket}/${names.lakePrefix}/unlabelled/`,
    images: profile.imagesPerClass * 10,
  };
}

async function ensureBucket(ctx: DemoContext): Promise<void> {
  try {
    await ctx.s3.send(new HeadBucketCommand({ Bucket: ctx.names.bucket }));
  } catch (error) {
    if (ctx.target === 'aws') {
      throw new DemoError(
        `The bucket "${ctx.names.bucket}" is not reachable (${(error as Error).name}): create it in ${ctx.names.region} and give the role access, or fix "bucket" in the config.`,
        'data',
        { cause: error },
      );
    }
    await ctx.s3.send(new CreateBucketCommand({ Bucket: ctx.names.bucket }));
  }
}

// ------------------------------------------------------------------------------------------------
// code and images

export function imageUris(ctx: DemoContext): ImageUris {
  // Python 3.11 as the local venv: alibi-detect 0.11.4's numba pin has no Python 3.12 wheels.
  const common = { region: ctx.names.region, frameworkVersion: '2.5', pythonVersion: 'py311' };
  return {
    training: pytorchImageUri({ ...common, scope: 'training', instanceType: ctx.names.trainingInstanceType }),
    processing: pytorchImageUri({ ...common, scope: 'processing', instanceType: ctx.names.processingInstanceType }),
    inference: pytorchImageUri({ ...common, scope: 'inference', instanceType: ctx.names.prodInstanceType }),
  };
}

/** Uploads apps/demo/ml: a sourcedir.tar.gz for training jobs, and the scripts one by one for processing jobs. */
export async function uploadMlCode(ctx: DemoContext, entryPoint = 'train.py'): Promise<CodeLocations> {
  const sourceDir = stageMlCode(ctx);
  const uploaded = await uploadSourceDir({
    sourceDir,
    entryPoint,
    bucket: ctx.names.bucket,
    keyPrefix: ctx.names.pipelineName,
    s3: ctx.s3,
  });
  const processingPrefix = `${ctx.names.pipelineName}/code/${uploaded.sha256}/processing`;
  for (const file of uploaded.files) {
    // Processing jobs read the scripts (and requirements.txt) one by one from the code input.
    await ctx.s3.send(
      new PutObjectCommand({
        Bucket: ctx.names.bucket,
        Key: `${processingPrefix}/${file}`,
        Body: readFileSync(join(sourceDir, file)),
      }),
    );
  }
  return {
    trainingSourceDir: uploaded.s3Uri,
    trainingHyperParameters: uploaded.trainingHyperParameters({ region: ctx.names.region }),
    processingCode: `s3://${ctx.names.bucket}/${processingPrefix}/`,
  };
}

// ------------------------------------------------------------------------------------------------
// tune

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

async function waitForProcessingJob(ctx: DemoContext, jobName: string, step: string): Promise<void> {
  for (;;) {
    const job = await ctx.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: jobName }));
    if (job.ProcessingJobStatus === 'Completed') {
      ctx.reporter.info(`processing job ${jobName}: Completed`);
      return;
    }
    if (job.ProcessingJobStatus === 'Failed' || job.ProcessingJobStatus === 'Stopped') {
      throw new DemoError(
        `processing job ${jobName} ${job.ProcessingJobStatus}: ${job.FailureReason ?? 'no reason given'}`,
        step,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, ctx.target === 'local' ? 1000 : 15_000));
  }
}

async function waitForTrainingJob(ctx: DemoContext, jobName: string, step: string) {
  const started = Date.now();
  let last = '';
  for (;;) {
    const job = await ctx.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }));
    const status = `${job.TrainingJobStatus}/${job.SecondaryStatus ?? ''}`;
    if (status !== last) {
      ctx.reporter.info(
        `training job ${jobName}: ${job.TrainingJobStatus} (${job.SecondaryStatus ?? ''}) after ${Math.round((Date.now() - started) / 1000)} s`,
      );
      last = status;
    }
    if (job.TrainingJobStatus === 'Completed') return job;
    if (job.TrainingJobStatus === 'Failed' || job.TrainingJobStatus === 'Stopped') {
      throw new DemoError(
        `training job ${jobName} ${job.TrainingJobStatus}: ${job.FailureReason ?? 'no reason given'}`,
        step,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, ctx.target === 'local' ? 1000 : 15_000));
  }
}

async function readBestJson(
  ctx: DemoContext,
  modelArtifacts: string | undefined,
): Promise<{ model: string; optimizer: string; lr: number; accuracy: number }> {
  if (!modelArtifacts) throw new DemoError('the tuning job has no model artifacts', 'tune');
  // tune.py writes best.json into the model folder, which the job packs as model.tar.gz.
  const { bucket, key } = parseS3Uri(modelArtifacts);
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

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new DemoError(`not an S3 URI: ${uri}`, 'config');
  return { bucket: match[1] as string, key: match[2] as string };
}

// ------------------------------------------------------------------------------------------------
// pipeline

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

// ------------------------------------------------------------------------------------------------
// approve and deploy

export async function approveStep(
  ctx: DemoContext,
  version?: number,
): Promise<{ modelPackageArn: string; version: number }> {
  const registry = new ModelRegistry({ sagemaker: ctx.sagemaker, s3: ctx.s3 });
  const versions = await registry.listVersions(ctx.names.modelPackageGroupName);
  const target =
    version === undefined
      ? (versions.find((v) => v.approvalStatus === 'PendingManualApproval') ?? versions[0])
      : versions.find((v) => v.version === version);
  if (!target) {
    throw new MissingPrerequisiteError(
      'approve',
      version === undefined
        ? `a registered model version in "${ctx.names.modelPackageGroupName}"`
        : `version ${version} in "${ctx.names.modelPackageGroupName}"`,
      'Run the pipeline first: `npm run demo -- pipeline start`.',
    );
  }
  const accuracy = target.metrics.find((m) => m.name === 'ModelQuality.Statistics')?.value as
    | { multiclass_classification_metrics?: { accuracy?: { value?: number } } }
    | undefined;
  const value = accuracy?.multiclass_classification_metrics?.accuracy?.value;
  if (target.approvalStatus !== 'Approved') {
    await registry.approve(target.arn, {
      description: `Approved by the demo CLI${value === undefined ? '' : ` (test accuracy ${value.toFixed(3)})`}`,
    });
  }
  ctx.reporter.info(
    `model version ${target.version} approved${value === undefined ? '' : `, test accuracy ${value.toFixed(3)}`}`,
  );
  return { modelPackageArn: target.arn, version: target.version };
}

export function stageConfigs(ctx: DemoContext): Record<'staging' | 'prod', StageConfig> {
  const load = (stage: 'staging' | 'prod') => {
    const file = join(appRoot, 'config', `${stage}-config.json`);
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const config: Record<string, unknown> = { ...raw, EndpointName: ctx.names.endpoints[stage] };
    if (stage === 'prod') config['InstanceType'] = ctx.names.prodInstanceType;
    return parseStageConfig(config, { file: relative(process.cwd(), file) });
  };
  return { staging: load('staging'), prod: load('prod') };
}

export async function deployStep(
  ctx: DemoContext,
  stage: 'staging' | 'prod',
): Promise<{ endpointName: string; modelPackageArn: string; version: number }> {
  const registry = new ModelRegistry({ sagemaker: ctx.sagemaker });
  let modelPackage: Awaited<ReturnType<ModelRegistry['latestApproved']>>;
  try {
    modelPackage = await registry.latestApproved(ctx.names.modelPackageGroupName);
  } catch (error) {
    throw new MissingPrerequisiteError(
      `deploy ${stage}`,
      'an approved model version',
      'Approve one first: `npm run demo -- approve`.',
    );
  }
  const deployer = new Deployer({
    stages: stageConfigs(ctx),
    executionRoleArn: ctx.names.roleArn,
    sagemaker: ctx.sagemaker,
    minPollDelayMs: ctx.target === 'local' ? 1_000 : 5_000,
    maxPollDelayMs: ctx.target === 'local' ? 2_000 : 30_000,
    onProgress: (event) => ctx.reporter.info(`${stage}: ${event.message}`),
    log: (line) => ctx.reporter.info(line),
  });
  await deployer.deploy(stage, { modelPackage });
  return { endpointName: ctx.names.endpoints[stage], modelPackageArn: modelPackage.arn, version: modelPackage.version };
}

// ------------------------------------------------------------------------------------------------
// endpoint tests

export async function testEndpointStep(
  ctx: DemoContext,
  options: { dir: string; stage: 'staging' | 'prod'; minAccuracy: number },
): Promise<EndpointTestReport> {
  if (!existsSync(options.dir)) {
    throw new MissingPrerequisiteError(
      'test-endpoint',
      `a folder of labelled images at ${options.dir}`,
      'Run `npm run demo -- data` first, or pass a folder.',
    );
  }
  const client = new EndpointClient({
    endpointName: ctx.names.endpoints[options.stage],
    runtime: ctx.runtime,
    endpointKind: options.stage === 'staging' ? 'Serverless' : 'RealTime',
    timeoutMs: 120_000,
  });
  let bar: ReturnType<DemoContext['reporter']['bar']> | undefined;
  const report = await runEndpointTest({
    client,
    images: options.dir,
    concurrency: options.stage === 'staging' ? 4 : 8,
    minAccuracy: options.minAccuracy,
    onProgress: (progress) => {
      bar ??= ctx.reporter.bar(progress.total, `testing ${client.endpointName}`);
      bar.update(progress.done, progress.failed ? `${progress.failed} failed` : undefined);
    },
  });
  bar?.stop();
  const reportDir = join(ctx.workDir, 'reports');
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(join(reportDir, `endpoint-test-${options.stage}.txt`), formatReport(report));
  for (const line of formatReport(report).split('\n').slice(0, 8)) ctx.reporter.info(line);
  if (!report.passed) {
    throw new DemoError(
      `the ${options.stage} endpoint got ${report.correct}/${report.total} held-out images right (${(report.accuracy * 100).toFixed(1)}%), below the required ${(options.minAccuracy * 100).toFixed(0)}%; misses: ${report.misses
        .slice(0, 5)
        .map((m) => `${m.name} (${m.expected} → ${m.predicted})`)
        .join(', ')}${
        report.errors.length
          ? `; errors: ${report.errors
              .slice(0, 3)
              .map((e) => e.message)
              .join('; ')}`
          : ''
      }`,
      'test-endpoint',
    );
  }
  return report;
}

export function relativeToRepo(path: string): string {
  return relative(join(appRoot, '../..'), path) || basename(path);
}
