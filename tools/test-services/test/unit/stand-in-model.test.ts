/** The stand-in model's handlers, run by python3 the way the serving host calls them, in each of its modes. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grayscalePng, type StandInModelConfig, standInModelTarball } from '../../src/index.js';

/** Unpacks model.tar.gz like the host does and answers one request: model_fn, input_fn, predict_fn, output_fn. */
function predict(config: StandInModelConfig, body: Buffer, contentType = 'image/png'): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'stand-in-test-'));
  execFileSync('tar', ['-xzf', standInModelTarball(config, dir), '-C', dir]);
  const driver = [
    'import sys, importlib.util',
    'spec = importlib.util.spec_from_file_location("inference", sys.argv[1] + "/code/inference.py")',
    'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
    'model = m.model_fn(sys.argv[1])',
    'print(m.output_fn(m.predict_fn(m.input_fn(sys.stdin.buffer.read(), sys.argv[2]), model), "application/json"))',
  ].join('\n');
  const out = execFileSync('python3', ['-c', driver, dir, contentType], { input: body, stdio: 'pipe' });
  return JSON.parse(out.toString()) as Record<string, unknown>;
}

const dark = grayscalePng(4, 4, () => 30);
const light = grayscalePng(4, 4, () => 230);

describe('the stand-in model', () => {
  it('"brightness": the nearest centroid, a softmax over distances, and the image as heatmap when asked', () => {
    const config: StandInModelConfig = { version: '7', choose: 'brightness', centroids: { dark: 0, light: 255 } };
    expect(predict(config, dark)).toMatchObject({ label: 'dark', model_version: '7' });
    const answer = predict({ ...config, temperature: 42.5, round_digits: 6 }, light, 'image/png; explain=true');
    expect(answer.label).toBe('light');
    // temperature 42.5 over levels 0 and 255 is the logistic 1 / (1 + e^(-12 (mean/255 - 0.5))).
    const expected = 1 / (1 + Math.exp(-12 * (230 / 255 - 0.5)));
    expect((answer.probabilities as Record<string, number>).light).toBeCloseTo(expected, 6);
    const heatmap = answer.explanation as { method: string; heatmap_png: string };
    expect(heatmap.method).toBe('brightness');
    const png = Buffer.from(heatmap.heatmap_png, 'base64');
    // The image itself, re-encoded: the same PNG header (4 x 4, 8-bit grayscale) as the request.
    expect(png.subarray(0, 29).equals(light.subarray(0, 29))).toBe(true);
  });

  it('"length" and "first-byte": a stable label per body, with the top probability given', () => {
    const labels = ['a', 'b', 'c'];
    const body = Buffer.from('12345');
    expect(predict({ version: '1', choose: 'length', labels, top: 0.9 }, body)).toEqual({
      label: 'c',
      probabilities: { a: expect.closeTo(0.05, 9), b: expect.closeTo(0.05, 9), c: 0.9 },
      model_version: '1',
    });
    expect(predict({ version: '1', choose: 'first-byte', labels }, Buffer.from([4]))).toMatchObject({ label: 'b' });
  });

  it('"hash": a deterministic answer per body whose probabilities sum to 1', () => {
    const config: StandInModelConfig = { version: '2', choose: 'hash', labels: ['x', 'y', 'z'] };
    const first = predict(config, Buffer.from('pixels'), 'application/octet-stream');
    expect(predict(config, Buffer.from('pixels'), 'application/octet-stream')).toEqual(first);
    const sum = Object.values(first.probabilities as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 9);
  });

  it('refuses poisoned bodies, non-PNGs where png_only, and a model marked broken', () => {
    const config: StandInModelConfig = { version: '1', choose: 'length', labels: ['a', 'b'], png_only: true };
    expect(() => predict(config, Buffer.from('POISON!'))).toThrow(/poisoned input/);
    expect(() => predict(config, Buffer.from('not a png'))).toThrow(/not a PNG image/);
    expect(() => predict({ ...config, fail_to_load: true }, dark)).toThrow(/fail_to_load/);
  });
});
