import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCodec, imageCodec, imagePredictionCodec, jsonCodec, sniffImageType, textCodec } from '../../src/index.js';
import { z } from 'zod';

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
const enc = (s: string) => new TextEncoder().encode(s);

describe('image codec', () => {
  it('sniffs JPEG and PNG and falls back to application/x-image', () => {
    const codec = imageCodec();
    expect(codec.encode(JPEG).contentType).toBe('image/jpeg');
    expect(codec.encode(PNG).contentType).toBe('image/png');
    expect(codec.encode(new Uint8Array([0x42, 0x4d, 1, 2])).contentType).toBe('application/x-image');
    expect(sniffImageType(new Uint8Array([0xff, 0xd8]))).toBeUndefined();
  });

  it('sends the bytes unchanged and honours a fixed content type', () => {
    const codec = imageCodec({ contentType: 'application/x-image' });
    const encoded = codec.encode(PNG);
    expect(encoded.contentType).toBe('application/x-image');
    expect(encoded.body).toBe(PNG);
  });

  it('rejects empty and non-byte input with a clear message', () => {
    expect(() => imageCodec().encode(new Uint8Array())).toThrow(/empty image/);
    expect(() => imageCodec().encode('forest.jpg' as unknown as Uint8Array)).toThrow(
      /expects a Uint8Array.*got string/,
    );
  });
});

describe('json codec', () => {
  it('round-trips any JSON value', () => {
    const codec = jsonCodec();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const { body } = codec.encode(value);
        expect(codec.decode(body, { contentType: 'application/json' })).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('validates with a zod schema and names the wrong field', () => {
    const codec = jsonCodec({ schema: z.object({ score: z.number() }) });
    expect(codec.decode(enc('{"score":0.5}'), { contentType: undefined })).toEqual({ score: 0.5 });
    expect(() => codec.decode(enc('{"score":"high"}'), { contentType: undefined })).toThrow(/score: /);
  });
});

describe('csv codec', () => {
  it('encodes one row or many, quoting where needed', () => {
    const codec = csvCodec();
    expect(new TextDecoder().decode(codec.encode([1, 2.5, -3]).body)).toBe('1,2.5,-3');
    expect(
      new TextDecoder().decode(
        codec.encode([
          [1, 'a,b'],
          ['say "hi"', null],
        ]).body,
      ),
    ).toBe('1,"a,b"\n"say ""hi""",');
    expect(() => codec.encode([Number.NaN])).toThrow(/NaN/);
  });

  it('round-trips rows of numbers and strings', () => {
    const codec = csvCodec();
    const cell = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
      fc.string({ minLength: 1 }).filter((s) => !/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(s)),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (rows) => {
          const { body } = codec.encode(rows);
          expect(codec.decode(body, { contentType: 'text/csv' })).toEqual(rows);
        },
      ),
    );
  });

  it('decodes CRLF and empty cells', () => {
    expect(csvCodec().decode(enc('0.1,0.9\r\n,x\r\n'), { contentType: 'text/csv' })).toEqual([
      [0.1, 0.9],
      [null, 'x'],
    ]);
  });
});

describe('text codec', () => {
  it('round-trips unicode', () => {
    const codec = textCodec();
    expect(codec.decode(codec.encode('forêt 🌲').body, { contentType: 'text/plain' })).toBe('forêt 🌲');
  });
});

describe('image prediction contract', () => {
  it('maps the wire JSON to { label, probabilities, modelVersion }', () => {
    const body = enc(
      JSON.stringify({
        label: 'forest',
        probabilities: { forest: 0.9, sea: 0.1 },
        model_version: 3,
      }),
    );
    expect(imagePredictionCodec.decode(body, { contentType: 'application/json' })).toEqual({
      label: 'forest',
      probabilities: { forest: 0.9, sea: 0.1 },
      modelVersion: '3',
    });
  });

  it('decodes the optional explanation into a heatmap', () => {
    const body = enc(
      JSON.stringify({
        label: 'sea',
        probabilities: { forest: 0.2, sea: 0.8 },
        model_version: 4,
        explanation: { method: 'grad-cam', heatmap_png: 'iVBORw0K' },
      }),
    );
    expect(imagePredictionCodec.decode(body, { contentType: 'application/json' })).toEqual({
      label: 'sea',
      probabilities: { forest: 0.2, sea: 0.8 },
      modelVersion: '4',
      heatmap: { method: 'grad-cam', pngBase64: 'iVBORw0K' },
    });
    const empty = enc(
      JSON.stringify({
        label: 'sea',
        probabilities: { sea: 1 },
        model_version: '4',
        explanation: { method: 'grad-cam', heatmap_png: '' },
      }),
    );
    expect(() => imagePredictionCodec.decode(empty, { contentType: undefined })).toThrow(/heatmap_png/);
  });

  it('rejects a response whose label is not among the probabilities, or with a bad probability', () => {
    const bad1 = enc(
      JSON.stringify({
        label: 'cat',
        probabilities: { forest: 1 },
        model_version: '1',
      }),
    );
    expect(() => imagePredictionCodec.decode(bad1, { contentType: undefined })).toThrow(
      /label: label must be one of the keys/,
    );
    const bad2 = enc(
      JSON.stringify({
        label: 'forest',
        probabilities: { forest: 1.5 },
        model_version: '1',
      }),
    );
    expect(() => imagePredictionCodec.decode(bad2, { contentType: undefined })).toThrow(/probabilities\.forest/);
    const bad3 = enc(JSON.stringify({ label: 'forest', probabilities: { forest: 1 } }));
    expect(() => imagePredictionCodec.decode(bad3, { contentType: undefined })).toThrow(/model_version/);
  });
});
