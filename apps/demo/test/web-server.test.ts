/**
 * The front-end's server over HTTP (no browser): limits and errors that the page relies on. The endpoint
 * side uses the real endpoint-client and SageMaker clients pointed at a port where nothing listens, so
 * "the endpoint is down" is a real connection failure.
 */
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { freePort } from '@sagemaker-mlops/test-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebAssets } from '../src/web/assets.js';
import { endpointStagePredictor } from '../src/web/endpoint-predictor.js';
import { createWebHandler } from '../src/web/handler.js';
import { type RunningWebServer, startWebServer } from '../src/web/node-server.js';
import { grayscalePng } from '@sagemaker-mlops/test-services';

let server: RunningWebServer;

beforeAll(async () => {
  const deadPort = await freePort();
  const config = {
    endpoint: `http://127.0.0.1:${deadPort}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  };
  const predictor = endpointStagePredictor({
    sagemaker: new SageMakerClient(config),
    runtime: new SageMakerRuntimeClient(config),
    endpoints: { staging: 'down-staging', prod: 'down-prod' },
    timeoutMs: 5_000,
  });
  server = await startWebServer({
    handler: createWebHandler({ predictor, assets: await buildWebAssets(), maxImageBytes: 64 * 1024 }),
    maxBodyBytes: 64 * 1024,
  });
});

afterAll(() => server?.close());

describe('web server', () => {
  it('serves the page, the bundled script and the stylesheet with a strict CSP', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('id="dropzone"');
    const script = await fetch(`${server.url}/app.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(await script.text()).not.toContain('import '); // bundled for the browser
    expect((await fetch(`${server.url}/style.css`)).status).toBe(200);
  });

  it('answers 413 for an upload over the limit without reading it all', async () => {
    const response = await fetch(`${server.url}/api/predict?name=big.png`, {
      method: 'POST',
      body: new Uint8Array(200 * 1024),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).error.message).toBe(
      'big.png is 200.0 KB; the endpoint accepts at most 64.0 KB. Resize or compress it.',
    );
  });

  it('answers 400 for an empty upload and an unknown stage, 404 and 405 for wrong routes', async () => {
    const empty = await fetch(`${server.url}/api/predict?name=e.png`, { method: 'POST', body: new Uint8Array(0) });
    expect(empty.status).toBe(400);
    const stage = await fetch(`${server.url}/api/predict?stage=dev`, {
      method: 'POST',
      body: new Uint8Array(grayscalePng(4, 4, () => 0)),
    });
    expect(stage.status).toBe(400);
    expect((await stage.json()).error.message).toBe('Unknown stage "dev": use "auto", "staging" or "prod".');
    expect((await fetch(`${server.url}/api/nothing`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/predict`)).status).toBe(405);
    expect((await fetch(`${server.url}/missing.html`)).status).toBe(404);
  });

  it('answers 503 with a message naming the endpoint when SageMaker cannot be reached', async () => {
    const response = await fetch(`${server.url}/api/predict?stage=prod&name=a.png`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array(grayscalePng(4, 4, () => 0)),
    });
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body.error.code).toBe('ENDPOINT_UNAVAILABLE');
    expect(body.error.message).toContain('Cannot ask SageMaker about the staging endpoint "down-staging"');
  });
});
