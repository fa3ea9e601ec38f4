/** Writes small grayscale PNGs whose brightness encodes their class, for the brightness model in fixtures/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { inflateSync } from 'node:zlib';
import { grayscalePng } from '@sagemaker-mlops/test-services';

/** Class → mean gray level; the stand-in model is deployed with these as its centroids (support/local-endpoint.ts). */
export const CLASS_LEVELS = { dark: 40, mid: 128, bright: 215 } as const;
export type BrightnessClass = keyof typeof CLASS_LEVELS;

/** An 8-bit grayscale PNG (filter 0 rows) of `size`×`size` pixels around `level`, with deterministic noise from `seed`. */
export function grayPng(level: number, seed = 1, size = 16): Buffer {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) % 21) - 10;
  };
  return grayscalePng(size, size, () => level + rand());
}

export function writeImage(path: string, level: number, seed = 1): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, grayPng(level, seed));
}

/**
 * The model the Python fixture serves, in TypeScript, for the wire-protocol test server: mean gray level →
 * nearest class centroid, probabilities by a softmax over negative distances.
 */
export function classifyBrightness(
  png: Uint8Array,
  version = '1',
): {
  label: string;
  probabilities: Record<string, number>;
  model_version: string;
} {
  const buf = Buffer.from(png);
  if (buf.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('ascii', offset + 4, offset + 8);
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') width = data.readUInt32BE(0);
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  let sum = 0;
  let count = 0;
  for (let row = 0; row < raw.length; row += width + 1) {
    for (let x = 1; x <= width; x += 1) {
      sum += raw[row + x] as number;
      count += 1;
    }
  }
  const mean = sum / count;
  const scores = Object.entries(CLASS_LEVELS).map(
    ([label, level]) => [label, Math.exp(-Math.abs(mean - level) / 20)] as const,
  );
  const total = scores.reduce((s, [, v]) => s + v, 0);
  const probabilities = Object.fromEntries(scores.map(([label, v]) => [label, v / total]));
  const label = scores.reduce((best, cur) => (cur[1] > best[1] ? cur : best))[0];
  return { label, probabilities, model_version: version };
}
