/** The vitest helper used as a team would: one test per image of a folder, all of which must pass here. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createRuntimeClient, EndpointClient } from '../src/index.js';
import { describeEndpointImages } from '../src/testing/vitest.js';
import { classifyBrightness, CLASS_LEVELS, writeImage } from './support/images.js';
import { startRuntimeServer, type RuntimeServer } from './support/runtime-server.js';

// The folder must exist while vitest collects tests, so it is written at module load.
const dir = mkdtempSync(join(tmpdir(), 'ec-vitest-'));
writeImage(join(dir, 'dark.png'), CLASS_LEVELS.dark, 7);
writeImage(join(dir, 'bright', 'a.png'), CLASS_LEVELS.bright, 8);
writeImage(join(dir, 'bright', 'b.png'), CLASS_LEVELS.bright, 9);

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
