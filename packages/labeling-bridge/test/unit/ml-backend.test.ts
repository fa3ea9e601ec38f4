import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaResolver, createMlBackend, type ModelPrediction } from '../../src/index.js';
import { labelConfigXml } from '../helpers/images.js';

const config = labelConfigXml(['Cat', 'Dog']);
let images: ReturnType<typeof createServer>;
let host: string;
let next: (image: Uint8Array) => Promise<ModelPrediction>;
let server: { url: string; close(): Promise<void> };
const auth = `Basic ${Buffer.from('ls:pw').toString('base64')}`;
let calls = 0;

beforeAll(async () => {
  images = createServer((req, res) => {
    if (req.url?.startsWith('/img')) res.end(Buffer.from(req.url));
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', () => r()));
  host = `127.0.0.1:${(images.address() as AddressInfo).port}`;
  const backend = createMlBackend({
    predictor: (image) => next(image),
    media: new MediaResolver({ allowedHosts: [host] }),
    modelVersion: async () => {
      calls++;
      return 'fashion/3';
    },
    basicAuth: { user: 'ls', pass: 'pw' },
    concurrency: 2,
  });
  server = await backend.listen(0);
});
afterAll(async () => {
  await server.close();
  await new Promise<void>((r) => images.close(() => r()));
});

async function post(path: string, body: unknown, headers: Record<string, string> = { authorization: auth }) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

const task = (id: number, path: string) => ({ id, data: { image: `http://${host}${path}` } });

describe('ML backend protocol', () => {
  it('requires basic auth on every route, as Label Studio sends it', async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(401);
    expect(health.headers.get('www-authenticate')).toContain('Basic');
    expect(await (await fetch(`${server.url}/health`, { headers: { authorization: auth } })).json()).toMatchObject({
      status: 'UP',
    });
  });

  it('answers /setup with the model version (resolved once and cached) and /versions with it', async () => {
    expect((await post('/setup', { project: '1.1700000000', schema: config })).body).toEqual({
      model_version: 'fashion/3',
    });
    expect((await post('/setup', { project: '1.1700000000', schema: config })).body).toEqual({
      model_version: 'fashion/3',
    });
    expect(calls).toBe(1);
    expect(await (await fetch(`${server.url}/versions`, { headers: { authorization: auth } })).json()).toEqual({
      versions: ['fashion/3'],
    });
    const bad = await post('/setup', { project: '1', schema: '<View><Image name="i" value="$image"/></View>' });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatch(/no <Choices> tag/);
  });

  it('returns one result per task in order, maps labels onto the config and never returns one outside it', async () => {
    next = async (image): Promise<ModelPrediction> => {
      const path = Buffer.from(image).toString();
      if (path.includes('cat')) return { label: 'cat', probabilities: { cat: 0.8, dog: 0.2 } };
      if (path.includes('horse')) return { label: 'Horse', probabilities: { Horse: 0.7, Dog: 0.25, Cat: 0.05 } };
      return { label: 'Zebra' };
    };
    const { status, body } = await post('/predict', {
      tasks: [task(1, '/img-cat'), task(2, '/img-horse'), task(3, '/img-zebra'), task(4, '/missing')],
      label_config: config,
      project: '1.1700000000',
      params: { login: null, password: null, context: null },
    });
    expect(status).toBe(200);
    const results = body.results as Array<Record<string, unknown>>;
    expect(results).toHaveLength(4);
    expect(results[0]).toMatchObject({
      result: [{ from_name: 'choice', to_name: 'image', type: 'choices', value: { choices: ['Cat'] } }],
      score: 0.8,
      model_version: 'fashion/3',
    });
    expect(results[1]).toMatchObject({ result: [{ value: { choices: ['Dog'] } }], score: 0.25 });
    // Tasks that could not be predicted get an empty list: Label Studio stores nothing and asks again later.
    expect(results[2]).toEqual([]);
    expect(results[3]).toEqual([]);
    expect(body.results).not.toContainEqual(expect.objectContaining({ result: [] }));
  });

  it('answers in the error shape Label Studio shows when every task fails', async () => {
    next = async () => {
      throw new Error('endpoint fashion-prod is not InService');
    };
    const { status, body } = await post('/predict', { tasks: [task(1, '/img-a')], label_config: config });
    expect(status).toBe(502);
    expect(body).toMatchObject({
      status: 502,
      error: expect.stringContaining('endpoint fashion-prod is not InService'),
    });
    const invalid = await post('/predict', { tasks: [{ id: 'x' }], label_config: config });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatch(/\$\.tasks\[0\]\.id/);
  });

  it('accepts Label Studio webhook events including START_TRAINING', async () => {
    expect((await post('/webhook', { action: 'START_TRAINING', project: { id: 1 } })).status).toBe(201);
    expect((await post('/webhook', { action: 'ANNOTATION_CREATED', annotation: {} })).body).toMatchObject({
      status: 'ignored',
    });
    expect((await post('/webhook', { nothing: true })).status).toBe(400);
  });

  it('reports metrics', async () => {
    const metrics = (await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: auth } })
    ).json()) as Record<string, unknown>;
    expect(metrics).toMatchObject({ tasksPredicted: 2, taskFailures: 3, modelVersion: 'fashion/3' });
  });
});
