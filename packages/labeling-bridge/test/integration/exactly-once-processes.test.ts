/**
 * Exactly-once across processes: three webhook bridges in three processes (as three Lambda instances) share one lake
 * and one pipeline through local mode's S3, whose conditional writes (If-None-Match / If-Match) are atomic across
 * processes like S3's. Deliveries, with duplicates, are spread over the three so that copies of one event race in
 * different processes: exactly one execution per threshold crossing and every annotation once in the lake.
 * (moto's conditional writes are not atomic, so the moto test can only prove this within one process.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreatePipelineCommand } from '@aws-sdk/client-sagemaker';
import { LocalSageMaker } from '@sagemaker-mlops/local';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { executions, keys } from '../helpers/aws.js';
import { annotationCreated, deliver, deliveriesWithDuplicates } from '../helpers/deliveries.js';
import { FASHION_LABELS } from '../helpers/images.js';

const PROCESSES = 3;
const UNIQUE = 240;
const DELIVERIES = 360;
const THRESHOLD = 80;
const SECRET = 'exactly-once-processes-0123456789';
const BUCKET = 'lake';
const PIPELINE = 'retrain';
const here = dirname(fileURLToPath(import.meta.url));

const stateDir = mkdtempSync(join(tmpdir(), 'bridge-processes-'));
let local: LocalSageMaker;
const children: ChildProcess[] = [];
const urls: string[] = [];

function startBridgeProcess(): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, '../helpers/bridge-process.ts'),
      stateDir,
      BUCKET,
      PIPELINE,
      String(THRESHOLD),
      SECRET,
    ],
    { cwd: join(here, '../..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`bridge process did not start in 60 s: ${stderr.slice(-10).join('\n')}`)),
      60_000,
    );
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bridge process exited (${code}): ${stderr.slice(-10).join('\n')}`));
    });
  });
}

beforeAll(async () => {
  local = await LocalSageMaker.open({ stateDir });
  await local.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (let i = 0; i < UNIQUE; i++) {
    await local.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `incoming/img-${i}.png`, Body: `image ${i}` }));
  }
  await local.sagemaker.send(
    new CreatePipelineCommand({
      PipelineName: PIPELINE,
      RoleArn: 'arn:aws:iam::123456789012:role/sagemaker',
      PipelineDefinition: JSON.stringify({
        Version: '2020-12-01',
        Parameters: [{ Name: 'DataLakeS3Uri', Type: 'String' }],
        Steps: [],
      }),
    }),
  );
  urls.push(...(await Promise.all(Array.from({ length: PROCESSES }, startBridgeProcess))));
});

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await local?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

it('starts exactly one execution per crossing when duplicates race in different processes', async () => {
  // Every annotation once, then duplicates; shuffled, and delivery n goes to process n % 3, so most duplicates of an
  // event reach a different process than its first copy.
  const deliveries = deliveriesWithDuplicates(UNIQUE, DELIVERIES, 7);
  const bodies = deliveries.map((i) => annotationCreated(i, `s3://${BUCKET}/incoming/img-${i}.png`));
  const statuses = await deliver(bodies, (n) => urls[n % PROCESSES] as string, SECRET, 24);
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  expect(statuses).toHaveLength(DELIVERIES);

  expect(await executions(local.sagemaker, PIPELINE)).toHaveLength(UNIQUE / THRESHOLD);
  const annotated = await keys(local.s3, BUCKET, 'lake/annotated/');
  expect(new Set(annotated)).toEqual(
    new Set(
      Array.from(
        { length: UNIQUE },
        (_, i) => `lake/annotated/${FASHION_LABELS[i % FASHION_LABELS.length]}/${5000 + i}-img-${i}.png`,
      ),
    ),
  );
  expect(annotated).toHaveLength(UNIQUE);
  expect(await keys(local.s3, BUCKET, 'lake/annotations/7/')).toHaveLength(UNIQUE);
});
