import { readFile } from 'node:fs/promises';
import { pollUntil } from '@sagemaker-mlops/test-services';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntimeClient, EndpointClient } from '../../src/index.js';
import {
  formatReport,
  labelFor,
  listLabelledImages,
  runEndpointTest,
  summarize,
  toJUnitXml,
  type ImageOutcome,
} from '../../src/testing/index.js';
import { classifyBrightness, CLASS_LEVELS, writeImage } from '../support/images.js';
import { startRuntimeServer, type RuntimeServer } from '../support/runtime-server.js';

describe('labels from names', () => {
  it('takes the file name without _<n>, or the parent folder', () => {
    expect(labelFor('forest.jpg')).toBe('forest');
    expect(labelFor('forest_2.jpg')).toBe('forest');
    expect(labelFor('sea_ice_12.png')).toBe('sea_ice');
    expect(labelFor('forest/123.jpg')).toBe('forest');
    expect(labelFor('set-a/forest/123_4.jpg')).toBe('forest');
    expect(labelFor('Glacier.JPEG')).toBe('Glacier');
  });

  it('lists images recursively, sorted, skipping hidden and non-image files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ec-list-'));
    writeImage(join(dir, 'mid.png'), 128);
    writeImage(join(dir, 'dark_2.png'), 40);
    writeImage(join(dir, 'bright', '001.png'), 215);
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    writeImage(join(dir, '.hidden.png'), 40);
    expect(listLabelledImages(dir).map((i) => [i.name, i.expected])).toEqual([
      ['bright/001.png', 'bright'],
      ['dark_2.png', 'dark'],
      ['mid.png', 'mid'],
    ]);
  });

  it('explains an empty or missing folder', () => {
    const empty = mkdtempSync(join(tmpdir(), 'ec-empty-'));
    expect(() => listLabelledImages(empty)).toThrow(/No images .* found under .*name them by label/);
    expect(() => listLabelledImages(join(empty, 'nope'))).toThrow(/Cannot read the image folder .*ENOENT/);
  });
});

describe('report', () => {
  const outcome = (name: string, expected: string, predicted: string | undefined, error?: string): ImageOutcome => ({
    name,
    path: `/x/${name}`,
    expected,
    predicted,
    probability: predicted ? 0.75 : undefined,
    correct: predicted === expected,
    error: error ? { kind: 'unreadable', message: error } : undefined,
    latencyMs: 12,
  });

  it('computes per-class accuracy, the confusion matrix, misses and errors', () => {
    const report = summarize({
      endpointName: 'scenes',
      outcomes: [
        outcome('a.png', 'dark', 'dark'),
        outcome('b.png', 'dark', 'mid'),
        outcome('c.png', 'mid', 'mid'),
        outcome('d.png', 'bright', undefined, 'cannot read d.png (ENOENT)'),
      ],
      minAccuracy: 0.5,
      durationMs: 1_000,
    });
    expect(report.accuracy).toBe(0.5);
    expect(report.passed).toBe(true);
    expect(report.perClass).toEqual([
      { label: 'bright', total: 1, correct: 0, accuracy: 0 },
      { label: 'dark', total: 2, correct: 1, accuracy: 0.5 },
      { label: 'mid', total: 1, correct: 1, accuracy: 1 },
    ]);
    expect(report.confusion).toEqual({
      labels: ['bright', 'dark', 'mid'],
      matrix: [
        [0, 0, 0],
        [0, 1, 1],
        [0, 0, 1],
      ],
    });
    expect(report.misses).toEqual([{ name: 'b.png', expected: 'dark', predicted: 'mid', probability: 0.75 }]);
    expect(report.errors).toEqual([
      {
        name: 'd.png',
        expected: 'bright',
        kind: 'unreadable',
        message: 'cannot read d.png (ENOENT)',
      },
    ]);
    const text = formatReport(report);
    expect(text).toMatch(/^PASS scenes: 2\/4 correct \(50\.0%, required 50\.0%\)/);
    expect(text).toContain('b.png: expected dark, predicted mid (p=0.750)');
    expect(text).toContain('d.png [unreadable]: cannot read d.png (ENOENT)');
    const junit = toJUnitXml(report);
    expect(junit).toContain('tests="4" failures="1" errors="1"');
    expect(junit).toContain(
      '<testcase classname="dark" name="b.png" time="0.012">\n      <failure type="misprediction" message="expected dark, predicted mid (p=0.750)"/>',
    );
    expect(junit).toContain('<error type="unreadable" message="cannot read d.png (ENOENT)"/>');
  });
});

describe('runEndpointTest over the wire', () => {
  let server: RuntimeServer;
  let client: EndpointClient;
  let dir: string;
  beforeAll(async () => {
    server = await startRuntimeServer((request) => ({ body: JSON.stringify(classifyBrightness(request.body)) }), {
      recordRequests: false,
    });
    client = new EndpointClient({
      endpointName: 'brightness',
      runtime: createRuntimeClient({
        endpoint: server.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      }),
    });
    dir = mkdtempSync(join(tmpdir(), 'ec-run-'));
    let seed = 1;
    for (const [label, level] of Object.entries(CLASS_LEVELS)) {
      for (let i = 0; i < 5; i += 1) writeImage(join(dir, label, `${i}.png`), level, ++seed);
    }
    writeImage(join(dir, 'mid', 'wrong.png'), CLASS_LEVELS.bright, 99); // labelled mid, looks bright
    symlinkSync(join(dir, 'missing.png'), join(dir, 'dark', 'dangling.png')); // unreadable
    mkdirSync(join(dir, 'bright'), { recursive: true });
    writeFileSync(join(dir, 'bright', 'empty.png'), ''); // readable, but not an image
  });
  afterAll(async () => {
    await server.close();
  });

  it('predicts every image, names the miss, reports unreadable and empty files without stopping', async () => {
    const progress: number[] = [];
    const report = await runEndpointTest({
      client,
      images: dir,
      concurrency: 4,
      onProgress: (p) => progress.push(p.done),
    });
    expect(report.total).toBe(18);
    expect(report.correct).toBe(15);
    expect(report.passed).toBe(false);
    expect(report.misses).toEqual([
      {
        name: 'mid/wrong.png',
        expected: 'mid',
        predicted: 'bright',
        probability: expect.any(Number),
      },
    ]);
    expect(report.errors.map((e) => [e.name, e.kind])).toEqual([
      ['bright/empty.png', 'invalid-input'],
      ['dark/dangling.png', 'unreadable'],
    ]);
    expect(report.errors[1]?.message).toMatch(/ENOENT/);
    expect(progress).toHaveLength(18);
  });

  it('reads images ahead of their turn, but never more than `concurrency` beyond the ones in flight', async () => {
    const ahead = mkdtempSync(join(tmpdir(), 'ec-ahead-'));
    for (let i = 0; i < 30; i += 1)
      writeImage(join(ahead, 'mid', `${String(i).padStart(2, '0')}.png`), CLASS_LEVELS.mid, i + 1);
    const images = listLabelledImages(ahead);
    let first = true;
    const read = new Set<string>();
    const report = await runEndpointTest({
      client,
      images,
      concurrency: 2,
      readImage: async (image) => {
        const bytes = new Uint8Array(await readFile(image.path));
        read.add(image.name);
        return bytes;
      },
      predict: async (c, bytes) => {
        if (first) {
          // While the warm-up image (0) is predicted, images 1 and 2 are being read ahead; once those reads are
          // done, everything from image 3 on disappears. Had the kit read further ahead, more would succeed.
          first = false;
          await pollUntil('the read-ahead of images 1 and 2', () =>
            read.has('mid/01.png') && read.has('mid/02.png') ? true : undefined,
          );
          for (const image of images.slice(3)) rmSync(image.path);
        }
        return c.predictImage(bytes);
      },
    });
    expect(report.outcomes.filter((o) => o.correct).map((o) => o.name)).toEqual([
      'mid/00.png',
      'mid/01.png',
      'mid/02.png',
    ]);
    expect(report.errors).toHaveLength(27);
    expect(new Set(report.errors.map((e) => e.kind))).toEqual(new Set(['unreadable']));
  });
});
