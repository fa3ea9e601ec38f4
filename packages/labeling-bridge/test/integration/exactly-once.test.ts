/**
 * Label Studio fires each webhook once and may deliver duplicates. 500 deliveries (30% duplicates, shuffled) at
 * concurrency 50 through the local HTTP server, against moto's S3 and SageMaker, crossing the threshold 3 times:
 * exactly 3 pipeline executions, each with its batch id as ClientRequestToken, and every annotation in the lake once.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { MediaResolver, createWebhookBridge, startBridgeServer, type WebhookBridge } from '../../src/index.js';
import { executions, keys, lakeAndPipeline, motoClients } from '../helpers/aws.js';
import { annotationCreated, deliver, deliveriesWithDuplicates } from '../helpers/deliveries.js';
import { FASHION_LABELS } from '../helpers/images.js';

const { s3, sagemaker } = motoClients(inject('motoEndpoint'));
const SECRET = 'exactly-once-secret-0123456789';
const UNIQUE = 350;
const DELIVERIES = 500;
const THRESHOLD = 100;

let images: ReturnType<typeof createServer>;
let imagePort: number;
let bucket: string;
let pipelineName: string;
let bridge: WebhookBridge;
let server: { url: string; close(): Promise<void> };

beforeAll(async () => {
  ({ bucket, pipelineName } = await lakeAndPipeline(s3, sagemaker, 'once'));
  // Half the images come from S3 (CopyObject), half from an allow-listed HTTP host (streamed GET + PutObject).
  for (let i = 0; i < UNIQUE; i += 2) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `incoming/img-${i}.png`, Body: `image ${i}` }));
  }
  images = createServer((req, res) => {
    const body = Buffer.from(`image ${/img-(\d+)/.exec(req.url ?? '')?.[1]}`);
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', () => r()));
  imagePort = (images.address() as AddressInfo).port;
  bridge = createWebhookBridge({
    s3,
    sagemaker,
    lake: `s3://${bucket}/lake`,
    pipelineName,
    threshold: THRESHOLD,
    auth: { sharedSecret: SECRET },
    media: new MediaResolver({ s3, allowedHosts: [`127.0.0.1:${imagePort}`], allowedBuckets: [bucket] }),
    logClassCounts: false,
  });
  server = await startBridgeServer(bridge);
});

afterAll(async () => {
  await server?.close();
  await new Promise<void>((r) => images.close(() => r()));
});

function event(i: number) {
  return annotationCreated(
    i,
    i % 2 === 0 ? `s3://${bucket}/incoming/img-${i}.png` : `http://127.0.0.1:${imagePort}/img-${i}.png`,
  );
}

it('starts exactly one execution per crossing and stores every annotation exactly once', async () => {
  const deliveries = deliveriesWithDuplicates(UNIQUE, DELIVERIES, 42);
  const statuses = await deliver(deliveries.map(event), () => server.url, SECRET, 50);
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  expect(statuses).toHaveLength(DELIVERIES);

  const runs = await executions(sagemaker, pipelineName);
  expect(runs).toHaveLength(3);
  const tokens = ([1, 2, 3] as const).map((b) => bridge.batchId(7, b));
  expect(tokens.every((t) => t.length >= 32 && t.length <= 128)).toBe(true);

  const annotated = await keys(s3, bucket, 'lake/annotated/');
  expect(annotated).toHaveLength(UNIQUE);
  const expected = Array.from({ length: UNIQUE }, (_, i) => {
    const ext = i % 2 === 0 ? `img-${i}.png` : `img-${i}.png`;
    return `lake/annotated/${FASHION_LABELS[i % FASHION_LABELS.length]}/${5000 + i}-${ext}`;
  });
  expect(new Set(annotated)).toEqual(new Set(expected));
  expect(await keys(s3, bucket, 'lake/annotations/7/')).toHaveLength(UNIQUE);
  expect(await bridge.annotationCount(7)).toBe(UNIQUE);

  // Replaying everything changes nothing and starts nothing.
  for (let i = 0; i < 20; i++) await bridge.processEvent(event(i));
  expect(await executions(sagemaker, pipelineName)).toHaveLength(3);
  // The 400th annotation crosses a fourth time: exactly one more execution.
  for (let i = UNIQUE; i < 400; i++)
    await bridge.processEvent({
      ...event(i),
      task: { id: 5000 + i, data: { image: `http://127.0.0.1:${imagePort}/img-${i}.png` } },
    });
  expect(await executions(sagemaker, pipelineName)).toHaveLength(4);
});
