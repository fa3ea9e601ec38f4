/**
 * Issue 15, finding 3: crash consistency by fault injection. A bridge process on local mode's S3 and SageMaker takes
 * a burst of webhook deliveries (new annotations, duplicates, label changes) and is SIGKILLed at a seeded random
 * write of the burst (before sending it or after its answer). Then, as after a restart, a fresh bridge runs the
 * backfill: the burst's annotations replayed (as `syncFromLabelStudio` replays Label Studio's export), due batches
 * ensured and orphan images swept. After every run: every annotation counted exactly once (one slot each, dense),
 * every due execution started exactly once, every record's image present and no image without a record.
 * CRASH_SEED=<n> replays a failing sequence; the runs stop at a time budget so the file stays under a minute.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreatePipelineCommand } from '@aws-sdk/client-sagemaker';
import { LocalSageMaker } from '@sagemaker-mlops/local';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MediaResolver, createWebhookBridge, type WebhookBridge } from '../../src/index.js';
import { executions, keys } from '../helpers/aws.js';
import { annotationCreated, seededRandom } from '../helpers/deliveries.js';
import { FASHION_LABELS } from '../helpers/images.js';

const SEED = Number(process.env.CRASH_SEED ?? 15);
const BUDGET_MS = 30_000;
const MIN_RUNS = 6;
const MAX_RUNS = 16;
const NEW_PER_RUN = 10;
const THRESHOLD = 7;
const SECRET = 'crash-consistency-0123456789abcdef';
const BUCKET = 'lake';
const PIPELINE = 'retrain';
const here = dirname(fileURLToPath(import.meta.url));
const stateDir = mkdtempSync(join(tmpdir(), 'bridge-crash-'));
const random = seededRandom(SEED);
let local: LocalSageMaker;
const children = new Set<ChildProcess>();

function startBridgeProcess(crashAt: number, when: 'before' | 'after'): Promise<{ url: string; child: ChildProcess }> {
  const args = [join(here, '../helpers/bridge-process.ts'), stateDir, BUCKET, PIPELINE, String(THRESHOLD), SECRET];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args, String(crashAt), when], {
    cwd: join(here, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const stderr: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => stderr.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`bridge process did not start in 60 s: ${stderr.join('\n')}`)),
      60_000,
    );
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ url: line.trim(), child });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`bridge process exited (${code ?? signal}) before listening: ${stderr.slice(-10).join('\n')}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

beforeAll(async () => {
  local = await LocalSageMaker.open({ stateDir });
  await local.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (let i = 0; i < MAX_RUNS * NEW_PER_RUN; i++) {
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
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all([...children].map(exited));
  await local?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

/** Annotation i's event; `version` > 0 relabels it (a later updated_at), which moves its image. */
function event(i: number, version: number) {
  const body = annotationCreated(i, `s3://${BUCKET}/incoming/img-${i}.png`);
  if (version === 0) return body;
  const label = FASHION_LABELS[(i + version * 3) % FASHION_LABELS.length] as string;
  body.action = 'ANNOTATION_UPDATED';
  const result = body.annotation.result[0] as { value: { choices: string[] } };
  result.value.choices = [label];
  body.annotation.updated_at = `2026-11-27T10:${String(version).padStart(2, '0')}:00.000000Z`;
  return body;
}

async function post(url: string, body: unknown): Promise<number> {
  try {
    const response = await fetch(`${url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-labeling-bridge-secret': SECRET },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0; // the process died with the request in flight
  }
}

async function text(key: string): Promise<string> {
  const object = await local.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (object.Body as { transformToString(): Promise<string> }).transformToString();
}

/** The invariants that must hold after every crash + backfill. */
async function checkLake(versions: Map<number, number>, backfill: WebhookBridge) {
  const annotations = [...versions.keys()].map((i) => 1000 + i).sort((a, b) => a - b);
  // Counted exactly once: one dense slot per annotation, one marker each.
  const slots = await keys(local.s3, BUCKET, 'lake/_bridge/7/seq/');
  const holders = await Promise.all(
    slots.map(async (k) => (JSON.parse(await text(k)) as { annotationId: number }).annotationId),
  );
  expect(holders.slice().sort((a, b) => a - b)).toEqual(annotations);
  expect(slots.map((k) => Number(k.split('/').pop()))).toEqual(annotations.map((_, n) => n + 1));
  const markers = await keys(local.s3, BUCKET, 'lake/_bridge/7/seen/');
  expect(markers).toHaveLength(annotations.length);
  for (const k of markers) expect(JSON.parse(await text(k))).toHaveProperty('from');
  expect(await backfill.annotationCount(7)).toBe(annotations.length);
  // Every due execution started exactly once.
  const runs = await executions(local.sagemaker, PIPELINE);
  const due = Math.floor(annotations.length / THRESHOLD);
  expect(runs).toHaveLength(due);
  expect(new Set(runs.map((r) => r.PipelineExecutionDisplayName)).size).toBe(due);
  // Every record's image in its label's folder, and no image without a record.
  const records = await keys(local.s3, BUCKET, 'lake/annotations/7/');
  expect(records).toHaveLength(annotations.length);
  const expected = [...versions].map(([i, version]) => {
    const label = (event(i, version).annotation.result[0] as { value: { choices: string[] } }).value.choices[0];
    return `lake/annotated/${label}/${5000 + i}-img-${i}.png`;
  });
  expect((await keys(local.s3, BUCKET, 'lake/annotated/')).sort()).toEqual(expected.sort());
}

it('counts every annotation once, starts every due execution once and leaves no orphan, whatever write a SIGKILL hits', async () => {
  const started = Date.now();
  const versions = new Map<number, number>();
  const crashes: string[] = [];
  let next = startBridgeProcess(1 + Math.floor(random() * 40), random() < 0.5 ? 'before' : 'after');
  let run = 0;
  for (; run < MAX_RUNS && (run < MIN_RUNS || Date.now() - started < BUDGET_MS); run++) {
    const { url, child } = await next;
    // The next process starts while this one takes its burst (its start is the slow part).
    const crashAt = 1 + Math.floor(random() * 40);
    const when = random() < 0.5 ? 'before' : 'after';
    next = startBridgeProcess(crashAt, when);
    // The burst: new annotations, a duplicate of one of them, and relabels of earlier ones, 4 in flight.
    const fresh = Array.from({ length: NEW_PER_RUN }, (_, k) => run * NEW_PER_RUN + k);
    const touched = new Map<number, number>(fresh.map((i) => [i, 0]));
    const bodies = fresh.map((i) => event(i, 0));
    bodies.push(event(fresh[Math.floor(random() * fresh.length)] as number, 0));
    for (let k = 0; k < 2 && versions.size > 0; k++) {
      const old = [...versions.keys()][Math.floor(random() * versions.size)] as number;
      const version = (touched.get(old) ?? versions.get(old) ?? 0) + 1;
      touched.set(old, version);
      bodies.push(event(old, version));
    }
    let nextBody = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (nextBody < bodies.length) await post(url, bodies[nextBody++]);
      }),
    );
    // A crash point past the burst's last write: kill it now, idle, which must be harmless too.
    const killedByUs = child.signalCode === null && child.exitCode === null;
    if (killedByUs) child.kill('SIGKILL');
    await exited(child);
    crashes.push(killedByUs ? 'after the burst' : `${when} write ${crashAt}`);

    // Restart + backfill: a fresh bridge (no memory of the dead one) replays the burst's annotations at their
    // latest version, as a sync from Label Studio would, then ensures due batches and sweeps orphan images.
    for (const [i, version] of touched) versions.set(i, version);
    const backfill = createWebhookBridge({
      s3: local.s3,
      sagemaker: local.sagemaker,
      lake: `s3://${BUCKET}/lake`,
      pipelineName: PIPELINE,
      threshold: THRESHOLD,
      auth: { sharedSecret: SECRET },
      media: new MediaResolver({ s3: local.s3, allowedBuckets: [BUCKET] }),
      logClassCounts: false,
      claimLeaseMs: 0,
    });
    for (const [i, version] of touched) {
      const replay = event(i, version);
      await backfill.processEvent({ ...replay, action: 'ANNOTATION_UPDATED' });
    }
    await backfill.ensureBatches(7);
    await backfill.sweepOrphanImages({ olderThanMs: 0 });
    await checkLake(versions, backfill);
  }
  const { child } = await next;
  child.kill('SIGKILL');
  expect(run, `crash points: ${crashes.join(', ')}`).toBeGreaterThanOrEqual(MIN_RUNS);
  // Most runs must really crash mid-burst, or the test proves little.
  expect(crashes.filter((c) => c !== 'after the burst').length).toBeGreaterThanOrEqual(Math.ceil(run / 2));
}, 120_000);
