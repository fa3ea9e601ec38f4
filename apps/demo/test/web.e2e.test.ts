/**
 * The web front-end in a real browser (Debian's Chromium through playwright-core), against a real
 * local-mode endpoint: the shared stand-in model (tools/test-services) served by local mode's host process,
 * called through @sagemaker-mlops/endpoint-client. Also runs the built Lambda bundle over the same endpoint.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  waitUntilEndpointInService,
} from '@aws-sdk/client-sagemaker';
import { LocalSageMaker } from '@sagemaker-mlops/local';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebAssets } from '../src/web/assets.js';
import { endpointStagePredictor } from '../src/web/endpoint-predictor.js';
import { createWebHandler } from '../src/web/handler.js';
import type { FunctionUrlEvent, FunctionUrlResult, FunctionUrlHandlerOptions } from '../src/web/lambda.js';
import { type RunningWebServer, startWebServer } from '../src/web/node-server.js';
import { grayscalePng, standInModelTarball } from '@sagemaker-mlops/test-services';

const appRoot = join(import.meta.dirname, '..');
const endpoints = { staging: 'web-e2e-staging', prod: 'web-e2e-prod' };
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

let workDir: string;
let local: LocalSageMaker;
let server: RunningWebServer;
let browser: Browser;
let page: Page;

async function deployStaging(): Promise<void> {
  await local.sagemaker.send(
    new CreateEndpointCommand({ EndpointName: endpoints.staging, EndpointConfigName: 'web-e2e-staging-config' }),
  );
  await waitUntilEndpointInService(
    { client: local.sagemaker, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
    { EndpointName: endpoints.staging },
  );
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'demo-web-e2e-'));
  standInModelTarball(
    // The shared stand-in model: dark or light by mean brightness (levels 0 and 255 at temperature 42.5 are the
    // logistic 1 / (1 + e^(-12 (mean - 0.5)))), with the image itself as the heatmap when asked to explain.
    { version: '7', choose: 'brightness', centroids: { dark: 0, light: 255 }, temperature: 42.5, round_digits: 6 },
    workDir,
  );

  local = await LocalSageMaker.open({ stateDir: join(workDir, 'state') });
  await local.s3.send(new CreateBucketCommand({ Bucket: 'web-e2e' }));
  await local.s3.send(
    new PutObjectCommand({ Bucket: 'web-e2e', Key: 'model.tar.gz', Body: readFileSync(join(workDir, 'model.tar.gz')) }),
  );
  await local.sagemaker.send(
    new CreateModelCommand({
      ModelName: 'web-e2e-model',
      ExecutionRoleArn: 'arn:aws:iam::000000000000:role/SageMakerExecution',
      PrimaryContainer: { Image: 'pytorch-inference:2.6-cpu-py312', ModelDataUrl: 's3://web-e2e/model.tar.gz' },
    }),
  );
  await local.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'web-e2e-staging-config',
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: 'web-e2e-model',
          ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
        },
      ],
    }),
  );
  await deployStaging();

  const predictor = endpointStagePredictor({ sagemaker: local.sagemaker, runtime: local.runtime, endpoints });
  const handler = createWebHandler({ predictor, assets: await buildWebAssets(), maxImageBytes: 1024 * 1024 });
  server = await startWebServer({ handler, maxBodyBytes: 1024 * 1024 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await local?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function upload(files: Array<{ name: string; mimeType: string; buffer: Buffer }>): Promise<void> {
  await page.locator('#files').setInputFiles(files);
}

function card(name: string) {
  return page.locator(`article.card[data-file="${name}"]`);
}

describe.sequential('web front-end in Chromium against a local-mode endpoint', () => {
  it('shows each stage’s endpoint status', async () => {
    await page.goto(server.url);
    await expect
      .poll(() => page.locator('#stage-status li').allTextContents())
      .toEqual(['staging: in service', 'prod: not deployed']);
  });

  it('uploads two images and shows the predicted label, the bar chart, the model version and the stage', async () => {
    const dark = grayscalePng(28, 28, (x, y) => (x > 10 && x < 18 && y > 4 && y < 24 ? 60 : 10));
    const light = grayscalePng(28, 28, () => 230);
    await upload([
      { name: 'dark-coat.png', mimeType: 'image/png', buffer: dark },
      { name: 'light-shirt.png', mimeType: 'image/png', buffer: light },
    ]);
    await expect.poll(() => card('dark-coat.png').locator('.label').textContent(), { timeout: 60_000 }).toBe('dark');
    await expect.poll(() => card('light-shirt.png').locator('.label').textContent(), { timeout: 60_000 }).toBe('light');
    const darkCard = card('dark-coat.png');
    expect(await darkCard.locator('.bars li').count()).toBe(2);
    expect(await darkCard.locator('.bars li.top span').first().textContent()).toBe('dark');
    const meta = await darkCard.locator('.meta').first().textContent();
    expect(meta).toContain('model version 7');
    expect(meta).toContain('answered by staging (web-e2e-staging)');
    // The bar of the top class is as wide as its probability.
    const width = await darkCard.locator('.bars li.top .fill').evaluate((el) => (el as HTMLElement).style.width);
    expect(Number.parseFloat(width)).toBeGreaterThan(90);
  });

  it('overlays the heatmap the endpoint returns when Grad-CAM is asked for', async () => {
    await page.locator('#explain').check();
    await upload([{ name: 'explained.png', mimeType: 'image/png', buffer: grayscalePng(28, 28, (x) => x * 9) }]);
    await expect
      .poll(() => card('explained.png').locator('canvas.heatmap').getAttribute('data-ready'), { timeout: 60_000 })
      .toBe('true');
    const size = await card('explained.png')
      .locator('canvas.heatmap')
      .evaluate((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
    expect(size).toEqual([28, 28]);
    await page.locator('#explain').uncheck();
  });

  it('refuses a non-image with a message naming the file and what to upload', async () => {
    await upload([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') }]);
    await expect
      .poll(() => card('notes.txt').locator('.message').textContent())
      .toBe('notes.txt is a text/plain file. Upload a PNG or JPEG image.');
  });

  it('refuses a text file named .png on the server (magic bytes, not the name)', async () => {
    await upload([{ name: 'renamed.png', mimeType: 'image/png', buffer: Buffer.from('hello, I am text') }]);
    await expect
      .poll(() => card('renamed.png').locator('.message').textContent())
      .toBe('renamed.png is not a PNG or JPEG image (it looks like text). Upload a .png or .jpg file.');
  });

  it('refuses a too-large file before uploading it', async () => {
    const big = Buffer.concat([grayscalePng(8, 8, () => 0), Buffer.alloc(1024 * 1024 + 10)]);
    await upload([{ name: 'huge.png', mimeType: 'image/png', buffer: big }]);
    await expect
      .poll(() => card('huge.png').locator('.message').textContent())
      .toBe('huge.png is 1.0 MB; the endpoint accepts at most 1.0 MB. Resize or compress it.');
  });

  it('says so when the chosen endpoint is not deployed', async () => {
    await page.locator('#stage').selectOption('prod');
    await upload([{ name: 'to-prod.png', mimeType: 'image/png', buffer: grayscalePng(8, 8, () => 200) }]);
    await expect
      .poll(() => card('to-prod.png').locator('.message').textContent())
      .toBe('The prod endpoint "web-e2e-prod" is not deployed. Deploy it with `npm run demo -- deploy prod`.');
    await page.locator('#stage').selectOption('auto');
  });

  it('serves a prediction through the built Lambda bundle over the same endpoint', async () => {
    if (!existsSync(join(appRoot, 'dist/lambda/index.mjs')))
      execFileSync('npx', ['tsup'], { cwd: appRoot, stdio: 'pipe' });
    const bundle = (await import(pathToFileURL(join(appRoot, 'dist/lambda/index.mjs')).href)) as {
      createFunctionUrlHandler: (
        o: FunctionUrlHandlerOptions,
      ) => Promise<(e: FunctionUrlEvent) => Promise<FunctionUrlResult>>;
    };
    const handler = await bundle.createFunctionUrlHandler({
      sagemaker: local.sagemaker,
      runtime: local.runtime,
      endpoints,
    });
    const result = await handler({
      rawPath: '/api/predict',
      rawQueryString: 'name=lambda.png',
      headers: { 'content-type': 'image/png' },
      body: grayscalePng(16, 16, () => 250).toString('base64'),
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST' } },
    });
    expect(result.statusCode, result.body).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ label: 'light', modelVersion: '7', stage: 'staging' });
  });

  it('says the endpoint is down once it is deleted', async () => {
    await local.sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpoints.staging }));
    await upload([{ name: 'after-delete.png', mimeType: 'image/png', buffer: grayscalePng(8, 8, () => 90) }]);
    await expect
      .poll(() => card('after-delete.png').locator('.message').textContent())
      .toContain('No endpoint is in service (staging "web-e2e-staging": not deployed');
    await expect
      .poll(() => page.locator('#stage-status li').allTextContents())
      .toEqual(['staging: not deployed', 'prod: not deployed']);
  });
});
