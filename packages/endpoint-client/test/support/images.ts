/** Writes small grayscale PNGs whose brightness encodes their class, for the brightness model in fixtures/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';

/** Class → mean gray level; fixtures/brightness-model/model.json holds the same centroids. */
export const CLASS_LEVELS = { dark: 40, mid: 128, bright: 215 } as const;
export type BrightnessClass = keyof typeof CLASS_LEVELS;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit grayscale PNG (filter 0 rows) of `size`×`size` pixels around `level`, with deterministic noise from `seed`. */
export function grayPng(level: number, seed = 1, size = 16): Buffer {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) % 21) - 10;
  };
  const raw = Buffer.alloc(size * (size + 1));
  for (let y = 0; y < size; y += 1) {
    raw[y * (size + 1)] = 0;
    for (let x = 0; x < size; x += 1) raw[y * (size + 1) + 1 + x] = Math.max(0, Math.min(255, level + rand()));
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ]);
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
  version = '1'
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
  const scores = Object.entries(CLASS_LEVELS).map(([label, level]) => [label, Math.exp(-Math.abs(mean - level) / 20)] as const);
  const total = scores.reduce((s, [, v]) => s + v, 0);
  const probabilities = Object.fromEntries(scores.map(([label, v]) => [label, v / total]));
  const label = scores.reduce((best, cur) => (cur[1] > best[1] ? cur : best))[0];
  return { label, probabilities, model_version: version };
}
