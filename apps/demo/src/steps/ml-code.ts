/** The container code of apps/demo/ml as the jobs see it: which files, their upload, the images and entrypoints. */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { pytorchImageUri, uploadSourceDir } from '@sagemaker-mlops/pipeline-sdk';
import { type DemoContext, mlRoot } from '../context.js';
import { DemoError } from '../errors.js';
import type { CodeLocations, ImageUris } from '../pipeline.js';

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
  writeFileSync(join(dir, 'requirements.txt'), `${SAGEMAKER_REQUIREMENTS.join('\n')}\n`);
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
