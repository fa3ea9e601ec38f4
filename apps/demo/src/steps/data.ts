/** The `data` step: the raw data set, the held-out test images and the unlabelled pool, put in the lake. */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type DemoContext, mlRoot } from '../context.js';
import { ensureDataset } from '../dataset.js';
import { DemoError } from '../errors.js';
import { runPython } from '../python.js';

export const RAW_DATASET_NAME = 'fashion-mnist.zip';

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
