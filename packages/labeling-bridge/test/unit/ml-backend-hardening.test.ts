/**
 * Issue 15 against the ML backend over real HTTP: a hostile label config costs milliseconds and never stalls
 * /health (finding 1); /metrics counts routes after auth (2); auth schemes are case-insensitive and required (7);
 * slow clients are cut off and connections capped (7); deep bodies are a 400 (4).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaResolver, createMlBackend } from '../../src/index.js';
import { BoundedCache } from '../../src/bounded-cache.js';
import { labelConfigXml } from '../helpers/images.js';

const auth = `Basic ${Buffer.from('ls:pw').toString('base64')}`;
let server: { url: string; close(): Promise<void> };
let open: { url: string; close(): Promise<void> };
let limited: { url: string; close(): Promise<void> };

beforeAll(async () => {
  const options = {
    predictor: async () => ({ label: 'Cat', probabilities: { Cat: 0.9, Dog: 0.1 } }),
    media: new MediaResolver({}),
  };
  server = await createMlBackend({ ...options, basicAuth: { user: 'ls', pass: 'pw' } }).listen(0);
  open = await createMlBackend(options).listen(0);
  limited = await createMlBackend({
    ...options,
    serverLimits: { headersTimeoutMs: 500, requestTimeoutMs: 1000, maxConnections: 4 },
  }).listen(0);
});
afterAll(async () => {
  await server?.close();
  await open?.close();
  await limited?.close();
});

async function timedHealth(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/health`, { headers: { authorization: auth } });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return performance.now() - started;
}

describe('hostile label configs on /predict', () => {
  const head = '<View><Image name="image" value="$image"/>';
  const inline = 'data:image/png;base64,iVBORw0KGgo=';

  it.each([
    ['a 5 MiB hostile config', head + '<Choices '.repeat((5 * 2 ** 20) / 9), 413],
    ['a 141 KiB hostile config (5.4 s before the fix)', head + '<Choices '.repeat(16_000), 422],
  ])('answers %s with a 4xx in milliseconds while /health stays responsive', async (_, labelConfig, status) => {
    const body = JSON.stringify({ tasks: [{ id: 1, data: { image: inline } }], label_config: labelConfig });
    const started = performance.now();
    const predict = fetch(`${open.url}/predict`, { method: 'POST', body }).then(async (r) => ({
      status: r.status,
      body: (await r.json()) as { error: string },
      ms: performance.now() - started,
    }));
    const health = await Promise.all([timedHealth(open.url), timedHealth(open.url), timedHealth(open.url)]);
    const answer = await predict;
    expect(answer.status).toBe(status);
    expect(answer.body.error).toMatch(/label config/);
    expect(answer.ms).toBeLessThan(1000);
    expect(Math.max(...health)).toBeLessThan(500);
  });
});

describe('/metrics', () => {
  it('counts routes only after auth, and unknown paths as one route', async () => {
    for (let i = 0; i < 200; i++) {
      const r = await fetch(`${server.url}/${'x'.repeat(2000)}${i}`);
      expect(r.status).toBe(401);
      await r.arrayBuffer();
    }
    const r = await fetch(`${server.url}/unknown-${'y'.repeat(2000)}`, { headers: { authorization: auth } });
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: string }).error.length).toBeLessThan(400);
    const metricsResponse = await fetch(`${server.url}/metrics`, { headers: { authorization: auth } });
    const text = await metricsResponse.text();
    expect(text.length).toBeLessThan(1000);
    const metrics = JSON.parse(text) as { requests: Record<string, number> };
    expect(metrics.requests).toEqual({ other: 1, 'GET /metrics': 1 });
  });
});

describe('auth schemes', () => {
  const credentials = Buffer.from('ls:pw').toString('base64');
  it.each([
    [`Basic ${credentials}`, 200],
    [`basic ${credentials}`, 200],
    [`BASIC ${credentials}`, 200],
    [credentials, 401],
    [`Bearer ${credentials}`, 401],
    [`Basic${credentials}`, 401],
  ])('Authorization: %s answers %i', async (header, status) => {
    const r = await fetch(`${server.url}/health`, { headers: { authorization: header } });
    expect(r.status).toBe(status);
    await r.arrayBuffer();
  });
});

describe('slow and many clients', () => {
  it('closes a connection whose headers do not arrive within headersTimeoutMs', async () => {
    const { port } = new URL(limited.url);
    const socket = connect(Number(port), '127.0.0.1');
    const started = performance.now();
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const answer = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString();
      });
      socket.on('close', () => resolve(data));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('caps connections', async () => {
    const { port } = new URL(limited.url);
    const sockets = Array.from({ length: 6 }, () => connect(Number(port), '127.0.0.1'));
    const closed = await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<boolean>((resolve) => {
            socket.on('close', () => resolve(true));
            socket.on('error', () => resolve(true));
            // The sockets under the cap must stay open: give the server 300 ms to (wrongly) close them.
            setTimeout(() => resolve(false), 300);
          }),
      ),
    );
    // the server refuses the connections over the cap at once; the others wait for their headers timeout
    expect(closed.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    for (const s of sockets) s.destroy();
  });
});

describe('deep and hostile bodies', () => {
  it('answers 400 for a body nested 5,000 deep, naming the limit', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const r = await fetch(`${open.url}/predict`, {
      method: 'POST',
      body: `{"tasks":[{"id":1,"data":{"image":${deep}}}],"label_config":${JSON.stringify(labelConfigXml(['Cat', 'Dog']))}}`,
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/deeper than 64 levels/);
  });
});

describe('BoundedCache', () => {
  it('stays within its byte bound, evicting the least recently used', () => {
    const cache = new BoundedCache<number>(64, 1000);
    for (let i = 0; i < 100; i++) cache.set(`${i}`.padEnd(100, '.'), i);
    expect(cache.bytes).toBeLessThanOrEqual(1000);
    expect(cache.size).toBe(5);
    cache.set('x'.repeat(600), 1); // alone larger than the bound: not kept
    expect(cache.get('x'.repeat(600))).toBeUndefined();
    expect(cache.bytes).toBeLessThanOrEqual(1000);
  });
});
