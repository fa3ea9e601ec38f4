/** The vitest helper used as a team would: one test per image of a folder, all of which must pass here. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { createRuntimeClient, EndpointClient } from '../../src/index.js';
import { describeEndpointImages } from '../../src/testing/vitest.js';
import { classifyBrightness, CLASS_LEVELS, writeImage } from '../support/images.js';
import { startRuntimeServer, type RuntimeServer } from '../support/runtime-server.js';

// The folder must exist while vitest collects tests, so it is written at module load.
const dir = mkdtempSync(join(tmpdir(), 'ec-vitest-'));
writeImage(join(dir, 'dark.png'), CLASS_LEVELS.dark, 7);
writeImage(join(dir, 'bright', 'a.png'), CLASS_LEVELS.bright, 8);
writeImage(join(dir, 'bright', 'b.png'), CLASS_LEVELS.bright, 9);

const here = dirname(fileURLToPath(import.meta.url));
let server: RuntimeServer | undefined;
let predictions = 0;
afterAll(async () => {
  await server?.close();
});

describeEndpointImages(dir, {
  name: 'brightness endpoint',
  concurrency: 2,
  client: async () => {
    server = await startRuntimeServer((request) => {
      predictions += 1;
      return { body: JSON.stringify(classifyBrightness(request.body)) };
    });
    const runtime = createRuntimeClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    return new EndpointClient({ endpointName: 'brightness', runtime });
  },
});

it('made one prediction per image', () => {
  expect(predictions).toBe(3);
});

it('in a project of its own, a wrong label and an unreadable file fail exactly their tests, naming the image', async () => {
  const images = mkdtempSync(join(tmpdir(), 'ec-vitest-project-'));
  writeImage(join(images, 'dark.png'), CLASS_LEVELS.dark, 1);
  writeImage(join(images, 'mid', 'ok.png'), CLASS_LEVELS.mid, 2);
  writeImage(join(images, 'mid', 'wrong.png'), CLASS_LEVELS.bright, 3);
  symlinkSync(join(images, 'gone.png'), join(images, 'bright.png'));
  const endpoint = await startRuntimeServer((request) => ({ body: JSON.stringify(classifyBrightness(request.body)) }));
  const out = join(images, '..', `${Date.now()}-report.json`);
  const vitestBin = resolve(here, '../../../../node_modules/vitest/vitest.mjs');
  const code = await new Promise<number | null>((done) => {
    const child = spawn(
      process.execPath,
      [vitestBin, 'run', '--root', join(here, '../fixtures/vitest-project'), '--reporter=json', `--outputFile=${out}`],
      {
        env: { ...process.env, IMAGES_DIR: images, ENDPOINT_URL: endpoint.endpoint, NODE_NO_WARNINGS: '1' },
        stdio: 'ignore',
      },
    );
    child.on('close', done);
  });
  await endpoint.close();
  expect(code).toBe(1);
  const report = JSON.parse(readFileSync(out, 'utf8')) as {
    testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
  };
  const results = Object.fromEntries(
    report.testResults
      .flatMap((f) => f.assertionResults)
      .map((a) => [a.title, { status: a.status, message: a.failureMessages.join('\n') }]),
  );
  expect(Object.keys(results).sort()).toEqual([
    'bright.png is bright',
    'dark.png is dark',
    'mid/ok.png is mid',
    'mid/wrong.png is mid',
  ]);
  expect(results['dark.png is dark']?.status).toBe('passed');
  expect(results['mid/ok.png is mid']?.status).toBe('passed');
  expect(results['mid/wrong.png is mid']?.status).toBe('failed');
  expect(results['mid/wrong.png is mid']?.message).toContain('mid/wrong.png: expected mid, predicted bright');
  expect(results['bright.png is bright']?.status).toBe('failed');
  expect(results['bright.png is bright']?.message).toMatch(/bright\.png \[unreadable\]: cannot read .*ENOENT/);
}, 120_000);
