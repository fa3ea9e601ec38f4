/**
 * The models page in a real browser (Debian's Chromium through playwright-core) against local mode: two registered
 * versions with the reports the pipeline's Evaluate step writes (apps/demo/ml/docs, from a real run), reviewed,
 * approved or rejected with a comment, deployed to a real staging endpoint and promoted to a real prod endpoint
 * (the shared stand-in model of tools/test-services, served by local mode's host processes), with deploy-config's
 * rules enforced. `DEMO_SCREENSHOTS=1` also refreshes apps/demo/docs/models-*.png.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { Deployer, parseStageConfig } from '@sagemaker-mlops/deploy-config';
import { LocalSageMaker } from '@sagemaker-mlops/local';
import { type Browser, chromium, type Page } from 'playwright-core';
import { standInModelTarball } from '@sagemaker-mlops/test-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebAssets } from '../src/web/assets.js';
import { endpointStagePredictor } from '../src/web/endpoint-predictor.js';
import { createWebHandler } from '../src/web/handler.js';
import { ModelReview } from '../src/web/models/review.js';
import { type RunningWebServer, startWebServer } from '../src/web/node-server.js';

const appRoot = join(import.meta.dirname, '..');
const reportsDir = join(appRoot, 'ml', 'docs');
const BUCKET = 'models-page-e2e';
const GROUP = 'models-page-e2e';
const endpoints = { staging: 'models-e2e-staging', prod: 'models-e2e-prod' };
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
/** Markup a hostile report or description could carry; the page must show it as text and never run it. */
const HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

let workDir: string;
let local: LocalSageMaker;
let server: RunningWebServer;
let browser: Browser;
let page: Page;
const arns: Record<number, string> = {};
const screenshotDir = process.env['DEMO_SCREENSHOTS'] ? join(appRoot, 'docs') : undefined;

/** Puts one run's reports in local S3 as the pipeline lays them out: <run>/{evaluation,drift,explanation,robustness}/. */
async function uploadReports(run: string, overrides: Record<string, string> = {}): Promise<string> {
  const partOf = (file: string) =>
    file === 'evaluation.json'
      ? 'evaluation'
      : file.startsWith('dd_')
        ? 'drift'
        : file === 'robustness.md' || file === 'accuracy_under_attack.png' || file === 'examples.png'
          ? 'robustness'
          : 'explanation';
  for (const file of readdirSync(reportsDir)) {
    const body = overrides[file] ?? readFileSync(join(reportsDir, file));
    await local.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${run}/${partOf(file)}/${file}`, Body: body }));
  }
  return `s3://${BUCKET}/${run}/evaluation/evaluation.json`;
}

async function register(description: string, evaluationUri: string): Promise<string> {
  const output = await local.sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: GROUP,
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageDescription: description,
      InferenceSpecification: {
        Containers: [{ Image: 'pytorch-inference:2.6-cpu-py312', ModelDataUrl: `s3://${BUCKET}/model.tar.gz` }],
        SupportedContentTypes: ['image/png'],
        SupportedResponseMIMETypes: ['application/json'],
      },
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: evaluationUri } } },
    }),
  );
  return output.ModelPackageArn as string;
}

async function post(path: string, body: unknown, contentType = 'application/json'): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: JSON.stringify(body),
  });
}

async function screenshot(name: string): Promise<void> {
  const path = join(screenshotDir ?? workDir, name);
  // The top of the page (versions, review, deploy, evaluation, confusion matrix, drift): what a reviewer sees first.
  await page.setViewportSize({ width: 1200, height: 1750 });
  await page.screenshot({ path, fullPage: false });
  await page.setViewportSize({ width: 1200, height: 900 });
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'demo-models-e2e-'));
  standInModelTarball(
    // The shared stand-in model: dark or light by mean brightness (levels 0 and 255 at temperature 42.5 are the
    // logistic 1 / (1 + e^(-12 (mean - 0.5)))), with the image itself as the heatmap when asked to explain.
    { version: '1', choose: 'brightness', centroids: { dark: 0, light: 255 }, temperature: 42.5, round_digits: 6 },
    workDir,
  );

  local = await LocalSageMaker.open({ stateDir: join(workDir, 'state') });
  await local.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await local.s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: 'model.tar.gz', Body: readFileSync(join(workDir, 'model.tar.gz')) }),
  );
  await local.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
  arns[1] = await register('Image classifier trained by the demo pipeline', await uploadReports('run-1'));
  // Version 2: a hostile description and explanation report, to be shown as text.
  arns[2] = await register(
    `retrained ${HOSTILE}`,
    await uploadReports('run-2', {
      'explanation.md': `# Model explanation ${HOSTILE}\n\n${HOSTILE}\n\n![x](javascript:alert(1))\n\n![Grad-CAM](grad_cam.png)\n`,
    }),
  );

  const stage = (raw: Record<string, unknown>) => parseStageConfig(raw, { projectName: 'models-e2e' });
  const deployer = new Deployer({
    sagemaker: local.sagemaker,
    executionRoleArn: 'arn:aws:iam::000000000000:role/SageMakerExecution',
    stages: {
      staging: stage({
        Type: 'Serverless',
        StageName: 'staging',
        EndpointName: endpoints.staging,
        ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
      }),
      prod: stage({
        Type: 'RealTime',
        StageName: 'prod',
        EndpointName: endpoints.prod,
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 1,
      }),
    },
    minPollDelayMs: 500,
    maxPollDelayMs: 1_000,
    timeoutMs: 120_000,
    log: () => {},
  });
  const models = new ModelReview({ sagemaker: local.sagemaker, s3: local.s3, modelPackageGroupName: GROUP, deployer });
  const predictor = endpointStagePredictor({ sagemaker: local.sagemaker, runtime: local.runtime, endpoints });
  const handler = createWebHandler({ predictor, models, assets: await buildWebAssets(), maxImageBytes: 1024 * 1024 });
  server = await startWebServer({ handler, maxBodyBytes: 1024 * 1024 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on('dialog', (dialog) => void dialog.dismiss());
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await local?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Server round trips on a loaded 2-core machine take seconds: poll up to 30 s (expect.poll's default is 1 s). */
const eventually = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 30_000, interval: 200 });
const stageChip = (stage: 'staging' | 'prod') => page.locator(`#stages li[data-stage="${stage}"]`);

describe.sequential('models page in Chromium: review → approve → staging → prod against local mode', () => {
  it('lists both versions, newest first, pending approval, nothing deployed', async () => {
    await page.goto(`${server.url}/models`);
    await eventually(() => page.locator('#versions button').count()).toBe(2);
    expect(await page.locator('#versions button .version-number').allTextContents()).toEqual([
      'Version 2',
      'Version 1',
    ]);
    expect(await page.locator('#versions button .badge').allTextContents()).toEqual([
      'pending approval',
      'pending approval',
    ]);
    expect(await page.locator('#stages li').allTextContents()).toEqual(['staging: not deployed', 'prod: not deployed']);
  });

  it('shows version 1’s evaluation, per-class metrics, confusion matrix, drift, explanation and robustness', async () => {
    await page.locator('#versions button[data-version="1"]').click();
    await eventually(() => page.locator('#detail h2').textContent()).toBe('Version 1');
    const evaluation = JSON.parse(readFileSync(join(reportsDir, 'evaluation.json'), 'utf8'));
    expect(await page.locator('#accuracy').textContent()).toBe(
      evaluation.multiclass_classification_metrics.accuracy.value.toFixed(4),
    );
    const classes = Object.keys(evaluation.per_class_metrics);
    expect(await page.locator('#per-class tbody tr').count()).toBe(classes.length);
    expect(await page.locator('#per-class tbody tr td:first-child').allTextContents()).toEqual(classes);
    expect(await page.locator('#confusion tbody tr').count()).toBe(classes.length);
    const diagonal = await page
      .locator('#confusion tbody tr')
      .evaluateAll((rows) => rows.map((row, i) => Number(row.querySelectorAll('td')[i]?.textContent)));
    expect(diagonal).toEqual(classes.map((c) => evaluation.multiclass_classification_metrics.confusion_matrix[c][c]));
    expect(await page.locator('#drift [data-drift="unperturbed"] strong').textContent()).toBe('unperturbed: no drift');
    expect(await page.locator('#drift [data-drift="perturbed"] strong').textContent()).toBe(
      'perturbed: drift detected',
    );
    // Every report image loads from the server (real PNGs out of local S3).
    const images = page.locator('#explanation img, #robustness img');
    expect(await images.count()).toBe(7);
    await eventually(() =>
      images.evaluateAll((all) => all.every((img) => (img as HTMLImageElement).naturalWidth > 0)),
    ).toBe(true);
    expect(await page.locator('#robustness table tbody tr').count()).toBeGreaterThan(5);
    await eventually(() => page.locator('#deploy-staging').isDisabled()).toBe(true);
    expect(await page.locator('#deploy-staging-note').textContent()).toBe(
      'approve version 1 first (it is PendingManualApproval)',
    );
    await screenshot('models-review.png');
  });

  it('refuses to deploy what is not approved, and a malformed or non-JSON request', async () => {
    const notApproved = await post('/api/models/1/deploy', { stage: 'staging' });
    expect(notApproved.status).toBe(409);
    expect(((await notApproved.json()) as { error: { message: string } }).error.message).toMatch(
      /approval status PendingManualApproval; only Approved packages deploy/,
    );
    expect((await post('/api/models/1/approval', { decision: 'Maybe', comment: 'x' })).status).toBe(400);
    expect((await post('/api/models/1/approval', { decision: 'Approved', comment: '   ' })).status).toBe(400);
    expect((await post('/api/models/1/approval', { decision: 'Approved', comment: 'x', extra: 1 })).status).toBe(400);
    expect((await post('/api/models/1/deploy', { stage: 'canary' })).status).toBe(400);
    expect((await post('/api/models/abc/deploy', { stage: 'staging' })).status).toBe(400);
    expect((await post('/api/models/9/deploy', { stage: 'staging' })).status).toBe(404);
    // A plain cross-site form post (text/plain) is not accepted.
    expect((await post('/api/models/1/approval', { decision: 'Approved', comment: 'x' }, 'text/plain')).status).toBe(
      415,
    );
    const traversal = await fetch(`${server.url}/api/models/1/reports/explanation/..%2F..%2Fmodel.tar.gz`);
    expect(traversal.status).toBe(400);
    const described = await local.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arns[1] }));
    expect(described.ModelApprovalStatus).toBe('PendingManualApproval');
  });

  it('needs a comment to approve, and stores it as the ApprovalDescription', async () => {
    await page.locator('#approve').click();
    await eventually(() => page.locator('#banner').textContent()).toMatch(/say why/);
    await page.locator('#approval-comment').fill('Accuracy 0.933, no drift on the test split; robustness as expected.');
    await page.locator('#approve').click();
    await eventually(() => page.locator('#banner').textContent()).toBe('Version 1: approved.');
    await eventually(() => page.locator('#approval-status').textContent()).toBe('approved');
    const described = await local.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arns[1] }));
    expect(described.ModelApprovalStatus).toBe('Approved');
    expect(described.ApprovalDescription).toBe('Accuracy 0.933, no drift on the test split; robustness as expected.');
    expect(await page.locator('#detail .facts').textContent()).toContain('Accuracy 0.933, no drift on the test split');
    // Prod only takes what staging serves: the button says so and the server refuses.
    expect(await page.locator('#deploy-prod').isDisabled()).toBe(true);
    expect(await page.locator('#deploy-prod-note').textContent()).toBe('deploy version 1 to staging first');
    const early = await post('/api/models/1/deploy', { stage: 'prod' });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { message: string } }).error.message).toMatch(
      /only deploys a model package that is in service on staging/,
    );
  });

  it('deploys to staging from the page, then promotes to prod', async () => {
    expect(await page.locator('#deploy-staging').isEnabled()).toBe(true);
    await page.locator('#deploy-staging').click();
    await expect
      .poll(() => stageChip('staging').textContent(), { timeout: 180_000, interval: 1000 })
      .toBe('staging: in service · version 1');
    await eventually(() => page.locator('#deploy-staging-note').textContent()).toBe(
      'version 1 is in service on staging',
    );
    await eventually(() => page.locator('#deploy-prod').isEnabled()).toBe(true);
    await page.locator('#deploy-prod').click();
    await expect
      .poll(() => stageChip('prod').textContent(), { timeout: 180_000, interval: 1000 })
      .toBe('prod: in service · version 1');
    await eventually(() => page.locator('#banner').textContent()).toBe('version 1 is in service on prod');
    expect(await page.locator('#deploy-prod-note').textContent()).toBe('version 1 is in service on prod');
    expect(await page.locator('#deploy-staging').isDisabled()).toBe(true);
    expect(await page.locator('#detail .version-head .badge.serving').allTextContents()).toEqual([
      'serving on staging',
      'serving on prod',
    ]);
    await screenshot('models-deployed.png');
    // Two deployments to one stage at once: the second is refused while the first runs (it has nothing to change).
    const both = await Promise.all([
      post('/api/models/1/deploy', { stage: 'staging' }),
      post('/api/models/1/deploy', { stage: 'staging' }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([202, 409]);
    // The classify page still works and now predicts through prod.
    await page.goto(server.url);
    await eventually(() => page.locator('#stage-status li').allTextContents()).toEqual([
      'staging: in service',
      'prod: in service',
    ]);
  });

  it('shows a hostile version as text, runs none of it, and rejects it with a comment', async () => {
    await page.goto(`${server.url}/models#v2`);
    await eventually(() => page.locator('#detail h2').textContent()).toBe('Version 2');
    expect(await page.locator('#detail .facts').textContent()).toContain(HOSTILE);
    expect(await page.locator('#explanation h3').first().textContent()).toBe(`Model explanation ${HOSTILE}`);
    expect(await page.locator('#explanation script, #explanation img[src="x"], .facts img').count()).toBe(0);
    expect(await page.locator('#explanation img').count()).toBe(1); // grad_cam.png; the javascript: link is not an image
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.locator('#approval-comment').fill(`Report looks tampered with ${HOSTILE}`);
    await page.locator('#reject').click();
    await eventually(() => page.locator('#approval-status').textContent()).toBe('rejected');
    expect(await page.locator('#deploy-staging').isDisabled()).toBe(true);
    expect((await post('/api/models/2/deploy', { stage: 'staging' })).status).toBe(409);
    const described = await local.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arns[2] }));
    expect(described.ModelApprovalStatus).toBe('Rejected');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });
});
