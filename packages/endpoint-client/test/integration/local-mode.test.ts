/**
 * Against local mode's endpoints (@sagemaker-mlops/local): a real model served by a Python process
 * from model.tar.gz in local S3, a serverless endpoint's cold start and MaxConcurrency throttling, a model error,
 * and the CLI with --local.
 */
import { pollFor } from '@sagemaker-mlops/test-services';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSageMaker } from '@sagemaker-mlops/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointClient, EndpointInvocationError, InvocationTimeoutError, type RetryEvent } from '../../src/index.js';
import { runEndpointTest } from '../../src/testing/index.js';
import { runCli } from '../support/cli.js';
import { CLASS_LEVELS, grayPng, writeImage, type BrightnessClass } from '../support/images.js';
import { deployBrightnessModel } from '../support/local-endpoint.js';

const stateDir = mkdtempSync(join(tmpdir(), 'ec-local-'));
let local: LocalSageMaker;

beforeAll(async () => {
  local = await LocalSageMaker.open({
    stateDir,
    serverlessIdleTimeoutMs: 1_500,
  });
  await deployBrightnessModel(local, {
    endpointName: 'brightness-rt',
    instanceCount: 1,
  });
  await deployBrightnessModel(local, {
    endpointName: 'brightness-sls',
    serverless: { maxConcurrency: 2 },
  });
});

afterAll(async () => {
  await local?.close();
});

describe('a real served model (instance endpoint)', () => {
  it('predictImage returns the demo contract from the Python model', async () => {
    const client = new EndpointClient({
      endpointName: 'brightness-rt',
      runtime: local.runtime,
    });
    for (const [label, level] of Object.entries(CLASS_LEVELS) as [BrightnessClass, number][]) {
      const prediction = await client.predictImage(grayPng(level, 11));
      expect(prediction.label).toBe(label);
      expect(prediction.modelVersion).toBe('1');
      expect(Object.keys(prediction.probabilities).sort()).toEqual(['bright', 'dark', 'mid']);
      expect(Object.values(prediction.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
  });

  it('a model error is not retried and keeps the container message', async () => {
    const retries: RetryEvent[] = [];
    const client = new EndpointClient({
      endpointName: 'brightness-rt',
      runtime: local.runtime,
      onRetry: (e) => retries.push(e),
    });
    const error = (await client
      .invoke('POISON pill', { contentType: 'image/png' })
      .catch((e: unknown) => e)) as EndpointInvocationError;
    expect(error).toBeInstanceOf(EndpointInvocationError);
    expect(error.errorType).toBe('ModelError');
    expect(error.retryable).toBe(false);
    expect(error.attempts).toBe(1);
    expect(error.httpStatus).toBe(424);
    expect(error.endpointMessage).toContain('poisoned input: this model refuses bodies that start with POISON');
    expect(error.originalMessage).toContain('poisoned input');
    expect(retries).toHaveLength(0);
  });

  it('timeoutMs holds even though the local-mode client ignores abort signals', async () => {
    await deployBrightnessModel(local, {
      endpointName: 'brightness-slow',
      environment: { STAND_IN_SERVICE_TIME_S: '3' },
    });
    const client = new EndpointClient({ endpointName: 'brightness-slow', runtime: local.runtime });
    const started = Date.now();
    const error = await client.predictImage(grayPng(CLASS_LEVELS.mid, 5), { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('an unknown endpoint is a ValidationError, not retried', async () => {
    const client = new EndpointClient({
      endpointName: 'no-such-endpoint',
      runtime: local.runtime,
    });
    const error = (await client.invoke('x').catch((e: unknown) => e)) as EndpointInvocationError;
    expect(error.errorType).toBe('ValidationError');
    expect(error.attempts).toBe(1);
    expect(error.endpointMessage).toMatch(/no-such-endpoint.*not found/);
  });
});

describe('serverless endpoint', () => {
  it('a burst during the cold start is throttled at MaxConcurrency, retried, and every request succeeds', async () => {
    const retries: RetryEvent[] = [];
    const client = new EndpointClient({
      endpointName: 'brightness-sls',
      runtime: local.runtime,
      endpointKind: 'Serverless',
      retry: { maxAttempts: 50, baseDelayMs: 50, maxDelayMs: 500 },
      onRetry: (e) => retries.push(e),
    });
    expect(local.endpointStats('brightness-sls').coldStarts).toBe(0);
    const images = Array.from({ length: 12 }, (_, i) =>
      grayPng(i % 2 ? CLASS_LEVELS.dark : CLASS_LEVELS.bright, i + 1),
    );
    const results = await client.predictImages(images, { concurrency: 6 });
    expect(results.map((r) => (r.ok ? r.value.label : `error: ${String((r as { error: unknown }).error)}`))).toEqual(
      images.map((_, i) => (i % 2 ? 'dark' : 'bright')),
    );
    expect(local.endpointStats('brightness-sls').coldStarts).toBe(1);
    expect(retries.length).toBeGreaterThan(0);
    expect(new Set(retries.map((r) => r.reason))).toEqual(new Set(['throttled']));
    for (const r of retries) expect((r.error as { name?: string }).name).toBe('ThrottlingException');
  });

  it('after scaling to zero, the next call cold-starts again and succeeds', async () => {
    const client = new EndpointClient({
      endpointName: 'brightness-sls',
      runtime: local.runtime,
      endpointKind: 'Serverless',
    });
    await client.predictImage(grayPng(CLASS_LEVELS.mid, 3)); // warm (or cold if the first test's worker already idled)
    const before = local.endpointStats('brightness-sls').coldStarts;
    await pollFor(
      'the serverless endpoint to scale to zero workers',
      () => local.endpointStats('brightness-sls').variants[0]?.workers,
      (workers) => workers === 0,
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    await expect(client.predictImage(grayPng(CLASS_LEVELS.mid, 4))).resolves.toMatchObject({ label: 'mid' });
    expect(local.endpointStats('brightness-sls').coldStarts).toBe(before + 1);
  });
});

describe('the test kit against local mode', () => {
  it('runEndpointTest on a folder, and the CLI with --local in another process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ec-local-images-'));
    let seed = 20;
    for (const [label, level] of Object.entries(CLASS_LEVELS)) {
      for (let i = 0; i < 3; i += 1) writeImage(join(dir, label, `${i}.png`), level, ++seed);
    }
    const client = new EndpointClient({
      endpointName: 'brightness-rt',
      runtime: local.runtime,
    });
    const report = await runEndpointTest({
      client,
      images: dir,
      concurrency: 4,
    });
    expect(report.accuracy).toBe(1);
    expect(report.total).toBe(9);

    writeImage(join(dir, 'dark', 'wrong.png'), CLASS_LEVELS.bright, 1);
    const result = await runCli(
      [dir, '--endpoint', 'brightness-rt', '--local', stateDir, '--concurrency', '4'],
      {},
      45_000,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL brightness-rt: 9\/10 correct/);
    expect(result.stdout).toMatch(/dark\/wrong\.png: expected dark, predicted bright/);
  });
});
