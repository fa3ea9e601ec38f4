/** Event semantics against moto: bulk creation, ordering, cancellations, deletions vs late duplicates, class counts. */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { MediaResolver, createWebhookBridge, jsonLogger, zipClassCounts, type WebhookBridge } from '../../src/index.js';
import { keys, lakeAndPipeline, motoClients } from '../helpers/aws.js';
import { labelConfigXml } from '../helpers/images.js';

const { s3, sagemaker } = motoClients(inject('motoEndpoint'));
const lines: string[] = [];
let bucket: string;
let bridge: WebhookBridge;

const result = (label: string) => [
  { from_name: 'choice', to_name: 'image', type: 'choices', value: { choices: [label] } },
];
const annotation = (
  id: number,
  task: number,
  label: string,
  updatedAt = '2026-11-27T10:00:00Z',
  extra: Record<string, unknown> = {},
) => ({
  id,
  task,
  project: 1,
  result: result(label),
  completed_by: 9,
  created_at: '2026-11-27T10:00:00Z',
  updated_at: updatedAt,
  ...extra,
});
const task = (id: number) => ({ id, data: { image: `s3://${bucket}/incoming/${id}.png` }, project: 1 });
const project = { id: 1, label_config: labelConfigXml() };

beforeAll(async () => {
  let pipelineName: string;
  ({ bucket, pipelineName } = await lakeAndPipeline(s3, sagemaker, 'events'));
  for (let i = 1; i <= 6; i++)
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `incoming/${i}.png`, Body: `png ${i}` }));
  // The raw data set: an ImageFolder zip under one root folder, made by Python's zipfile.
  const dir = mkdtempSync(join(tmpdir(), 'rawzip-'));
  execFileSync('python3', [
    '-c',
    `import zipfile,sys
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for label, n in (('Bag', 3), ('Coat', 2)):
        z.writestr(f'fashion/{label}/', '')
        for i in range(n): z.writestr(f'fashion/{label}/{i}.png', b'x' * 10)
    z.writestr('__MACOSX/fashion/Bag/._0.png', b'')`,
    join(dir, 'fashion.zip'),
  ]);
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: 'lake/raw/fashion.zip', Body: readFileSync(join(dir, 'fashion.zip')) }),
  );
  bridge = createWebhookBridge({
    s3,
    sagemaker,
    lake: `s3://${bucket}/lake`,
    pipelineName,
    threshold: 50,
    auth: { unauthenticated: true },
    media: new MediaResolver({ s3, allowedBuckets: [bucket] }),
    logger: jsonLogger((line) => lines.push(line)),
  });
});

describe('webhook events', () => {
  it('reads class counts of a raw zip from its central directory', async () => {
    expect(await zipClassCounts(s3, bucket, 'lake/raw/fashion.zip')).toEqual({ Bag: 3, Coat: 2 });
  });

  it('stores every annotation of a bulk ANNOTATIONS_CREATED event and logs class counts with and without annotations', async () => {
    const out = await bridge.processEvent({
      action: 'ANNOTATIONS_CREATED',
      annotation: [annotation(1, 1, 'Bag'), annotation(2, 2, 'Sandal')],
      task: [task(1), task(2)],
      project,
    });
    expect(out.annotations.map((a) => a.outcome)).toEqual(['written', 'written']);
    expect(await keys(s3, bucket, 'lake/annotated/')).toEqual([
      'lake/annotated/Bag/1-1.png',
      'lake/annotated/Sandal/2-2.png',
    ]);
    const counts = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'class counts')
      .at(-1);
    expect(counts).toMatchObject({
      raw: { Bag: 3, Coat: 2 },
      annotated: { Bag: 1, Sandal: 1 },
      withAnnotations: { Bag: 4, Coat: 2, Sandal: 1 },
    });
  });

  it('ignores an update older than what is applied, and applies a newer one', async () => {
    const older = await bridge.processEvent({
      action: 'ANNOTATION_UPDATED',
      annotation: annotation(1, 1, 'Coat', '2026-11-27T09:00:00Z'),
      task: task(1),
      project,
    });
    expect(older.annotations[0]?.outcome).toBe('stale');
    const newer = await bridge.processEvent({
      action: 'ANNOTATION_UPDATED',
      annotation: annotation(1, 1, 'Coat', '2026-11-27T11:00:00Z'),
      task: task(1),
      project,
    });
    expect(newer.annotations[0]?.outcome).toBe('moved');
    expect(await keys(s3, bucket, 'lake/annotated/')).toEqual([
      'lake/annotated/Coat/1-1.png',
      'lake/annotated/Sandal/2-2.png',
    ]);
  });

  it('skips cancelled (skipped) tasks and annotations without a choice', async () => {
    const cancelled = await bridge.processEvent({
      action: 'ANNOTATION_CREATED',
      annotation: annotation(3, 3, 'Bag', undefined, { was_cancelled: true }),
      task: task(3),
      project,
    });
    expect(cancelled.annotations[0]).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/cancelled/) });
    const empty = await bridge.processEvent({
      action: 'ANNOTATION_CREATED',
      annotation: { ...annotation(4, 4, 'Bag'), result: [] },
      task: task(4),
      project,
    });
    expect(empty.annotations[0]?.outcome).toBe('skipped');
  });

  it('keeps a deleted annotation deleted when a late duplicate of its creation arrives', async () => {
    await bridge.processEvent({
      action: 'ANNOTATION_CREATED',
      annotation: annotation(5, 5, 'Bag'),
      task: task(5),
      project,
    });
    const deleted = await bridge.processEvent({
      action: 'ANNOTATIONS_DELETED',
      annotations: [{ id: 5 }],
      project: { id: 1 },
    });
    expect(deleted.annotations[0]?.outcome).toBe('deleted');
    const late = await bridge.processEvent({
      action: 'ANNOTATION_CREATED',
      annotation: annotation(5, 5, 'Bag'),
      task: task(5),
      project,
    });
    expect(late.annotations[0]?.outcome).toBe('stale');
    expect((await keys(s3, bucket, 'lake/annotated/')).some((k) => k.includes('/5-'))).toBe(false);
    expect(
      (await bridge.processEvent({ action: 'ANNOTATIONS_DELETED', annotations: [{ id: 5 }], project: { id: 1 } }))
        .annotations[0]?.outcome,
    ).toBe('unchanged');
  });

  it('answers 4xx with the JSON path for malformed events and unknown labels', async () => {
    const bad = await bridge.handleRequest({
      headers: {},
      body: JSON.stringify({ action: 'ANNOTATION_CREATED', annotation: { id: 'x' }, task: task(6), project }),
    });
    expect(bad).toMatchObject({ status: 400, body: { error: expect.stringContaining('$.annotation.id') } });
    const label = await bridge.handleRequest({
      headers: {},
      body: JSON.stringify({
        action: 'ANNOTATION_CREATED',
        annotation: annotation(6, 6, '../../etc'),
        task: task(6),
        project,
      }),
    });
    expect(label).toMatchObject({
      status: 422,
      body: { error: expect.stringContaining('is not one of the label config choices') },
    });
    const missing = await bridge.handleRequest({
      headers: {},
      body: JSON.stringify({
        action: 'ANNOTATION_CREATED',
        annotation: annotation(7, 7, 'Bag'),
        task: { id: 7, data: { image: `s3://${bucket}/nope.png` } },
        project,
      }),
    });
    expect(missing).toMatchObject({ status: 422, body: { error: expect.stringContaining('CopyObject failed') } });
  });
});
