import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { grayscalePng } from '../../src/index.js';

/** Splits a PNG into its chunks, checking each CRC. */
function chunks(png: Buffer): Array<{ type: string; data: Buffer }> {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const out: Array<{ type: string; data: Buffer }> = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const body = png.subarray(offset + 4, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(body));
    out.push({ type: body.subarray(0, 4).toString('ascii'), data: body.subarray(4) });
    offset += 12 + length;
  }
  return out;
}

describe('grayscalePng', () => {
  it('encodes pixels from bytes or a function, clamped, as IHDR + IDAT + IEND with valid CRCs', () => {
    const fromFunction = grayscalePng(3, 2, (x, y) => x * 100 + y * 200 - 10);
    const fromBytes = grayscalePng(3, 2, Uint8Array.from([0, 90, 190, 190, 255, 255]));
    expect(fromFunction.equals(fromBytes)).toBe(true);
    const parts = chunks(fromFunction);
    expect(parts.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const header = parts[0]!.data;
    expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9]]).toEqual([3, 2, 8, 0]);
    expect([...inflateSync(parts[1]!.data)]).toEqual([0, 0, 90, 190, 0, 190, 255, 255]);
  });
});
