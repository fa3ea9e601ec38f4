/**
 * Issue 15, finding 4 (and the input side of 5-7): every bad input is a 4xx with a clear message and writes nothing,
 * on local mode's S3 (where a long label used to surface as ENAMETOOLONG). Also the failures of an allow-listed image
 * host: a stall mid-body is a 504, not a 500.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreatePipelineCommand } from '@aws-sdk/client-sagemaker';
import { LocalSageMaker } from '@sagemaker-mlops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaResolver, createMlBackend, createWebhookBridge, type WebhookBridge } from '../../src/index.js';
import { keys } from '../helpers/aws.js';
import { annotationCreated } from '../helpers/deliveries.js';
import { FASHION_LABELS, fashionMnist, labelConfigXml, pngSizePredictor } from '../helpers/images.js';

const SECRET = 'bad-input-secret-0123456789abcdef';
const stateDir = mkdtempSync(join(tmpdir(), 'bridge-bad-input-'));
const png = fashionMnist(1)[0]?.png as Buffer;
let local: LocalSageMaker;
let bridge: WebhookBridge;
let images: ReturnType<typeof createServer>;
let host: string;
let backend: { url: string; close(): Promise<void> };

beforeAll(async () => {
  local = await LocalSageMaker.open({ stateDir });
  await local.s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
  await local.s3.send(new CreateBucketCommand({ Bucket: 'secrets-bucket' }));
  await local.s3.send(new PutObjectCommand({ Bucket: 'secrets-bucket', Key: 'creds.txt', Body: 'secret' }));
  await local.s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'incoming/ok.png', Body: png }));
  await local.sagemaker.send(
    new CreatePipelineCommand({
      PipelineName: 'retrain',
      RoleArn: 'arn:aws:iam::123456789012:role/sagemaker',
      PipelineDefinition: JSON.stringify({ Version: '2020-12-01', Parameters: [], Steps: [] }),
    }),
  );
  images = createServer((req, res) => {
    if (req.url === '/stall.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '100000' });
      res.write(png.subarray(0, 100));
    } else {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
      res.end(png);
    }
  });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', () => r()));
  host = `127.0.0.1:${(images.address() as AddressInfo).port}`;
  const media = new MediaResolver({ s3: local.s3, allowedHosts: [host], allowedBuckets: ['lake'], timeoutMs: 300 });
  bridge = createWebhookBridge({
    s3: local.s3,
    sagemaker: local.sagemaker,
    lake: 's3://lake/lake',
    pipelineName: 'retrain',
    threshold: 100,
    auth: { sharedSecret: SECRET },
    media,
    logClassCounts: false,
  });
  backend = await createMlBackend({ predictor: pngSizePredictor(), media }).listen(0);
});

afterAll(async () => {
  await backend?.close();
  images.closeAllConnections();
  await new Promise<void>((r) => images.close(() => r()));
  await local?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

type Body = ReturnType<typeof annotationCreated>;
const ok = (): Body => annotationCreated(1, 's3://lake/incoming/ok.png');
function withChoice(choice: unknown, labels: readonly string[] = FASHION_LABELS): Body {
  const body = ok();
  (body.annotation.result[0] as { value: { choices: unknown[] } }).value.choices = [choice];
  body.project.label_config = labelConfigXml(labels);
  return body;
}
function withImage(image: unknown): Body {
  const body = ok();
  (body.task.data as Record<string, unknown>).image = image;
  return body;
}
/** The body as text: JSON.stringify itself cannot write a value nested 5,000 deep. */
const deepCompletedBy = () =>
  JSON.stringify(ok()).replace('"completed_by":1', `"completed_by":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`);
let shallowDeep: unknown = 'x';
for (let i = 0; i < 50; i++) shallowDeep = [shallowDeep];
const longLabel = 'ü'.repeat(200);
const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString('base64');

async function send(body: unknown, headers: Record<string, string> = { 'x-labeling-bridge-secret': SECRET }) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return bridge.handleRequest({ headers, body: text });
}

describe('bad webhook events', () => {
  it.each<[string, number, RegExp, () => unknown]>([
    ['completed_by nested 5,000 deep', 400, /deeper than 64/, deepCompletedBy],
    ['a choice that is an object with a toString key', 400, /must be a string/, () => withChoice({ toString: 'x' })],
    [
      'a choice that is __proto__, not in the config',
      422,
      /not one of the label config/,
      () => withChoice('__proto__'),
    ],
    [
      'a 200-character two-byte label (ENAMETOOLONG before)',
      422,
      /longer than 128/,
      () => withChoice(longLabel, [longLabel]),
    ],
    ['a percent-encoded dot-dot label', 422, /"%"/, () => withChoice('%2e%2e', ['%2e%2e'])],
    ['a bidi-override label', 422, /format/, () => withChoice('a\u202eb', ['a\u202eb'])],
    ['a line-separator label', 422, /line-separator/, () => withChoice('a\u2028b', ['a\u2028b'])],
    ['an image value nested 50 deep', 400, /no image URL/, () => withImage(shallowDeep)],
    [
      'an image in a bucket outside the allow-list',
      422,
      /allowedBuckets/,
      () => withImage('s3://secrets-bucket/creds.txt'),
    ],
    ['an inline SVG with a script', 422, /SVG/, () => withImage(`data:image/svg+xml;base64,${svg}`)],
    [
      'an IPv4-mapped metadata address',
      422,
      /allow-list|metadata/,
      () => withImage('http://[::ffff:169.254.169.254]/latest'),
    ],
    ['an allow-listed host that stalls mid-body', 504, /stopped sending/, () => withImage(`http://${host}/stall.png`)],
  ])('%s: %i with a message, nothing written', async (_, status, message, body) => {
    const before = await keys(local.s3, 'lake', 'lake/');
    const answer = await send(body());
    expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(status);
    expect((answer.body as { error: string }).error).toMatch(message);
    expect(await keys(local.s3, 'lake', 'lake/')).toEqual(before);
  });

  it('still stores a good event, and a label named __proto__ when the config has it', async () => {
    expect((await send(ok())).status).toBe(200);
    const proto = withChoice('__proto__', ['__proto__', 'constructor']);
    proto.annotation.id = 2;
    expect((await send(proto)).status).toBe(200);
    expect(await keys(local.s3, 'lake', 'lake/annotated/')).toEqual([
      'lake/annotated/Trouser/5001-ok.png',
      'lake/annotated/__proto__/5001-ok.png',
    ]);
  });

  it.each([
    [SECRET, 401],
    [`Bearer ${SECRET}`, 200],
    [`bearer ${SECRET}`, 200],
    [`Basic ${SECRET}`, 401],
  ])('Authorization: %s answers %i', async (header, status) => {
    expect((await send(ok(), { authorization: header })).status).toBe(status);
  });
});

describe('bad /predict bodies', () => {
  it('answers 422 for an image value nested 50 deep and 504 when the only image stalls', async () => {
    const post = (image: unknown) =>
      fetch(`${backend.url}/predict`, {
        method: 'POST',
        body: JSON.stringify({ tasks: [{ id: 1, data: { image } }], label_config: labelConfigXml() }),
      });
    expect((await post(shallowDeep)).status).toBe(422);
    const stalled = await post(`http://${host}/stall.png`);
    expect(stalled.status).toBe(504);
    expect(((await stalled.json()) as { error: string }).error).toMatch(/stopped sending/);
  });
});
