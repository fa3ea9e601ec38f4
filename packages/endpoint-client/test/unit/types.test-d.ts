import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  csvCodec,
  type EndpointClient,
  jsonCodec,
  type CsvRows,
  type ImagePrediction,
  type InvokeResult,
  type ItemResult,
} from '../../src/index.js';

declare const client: EndpointClient;
declare const bytes: Uint8Array;

describe('types', () => {
  it('predictImage returns the demo contract by default and the codec type otherwise', () => {
    expectTypeOf(client.predictImage(bytes)).resolves.toEqualTypeOf<ImagePrediction>();
    expectTypeOf(client.predictImage('a.jpg')).resolves.toEqualTypeOf<ImagePrediction>();
    const scores = jsonCodec({ schema: z.object({ scores: z.array(z.number()) }) });
    expectTypeOf(client.predictImage(bytes, { response: scores })).resolves.toEqualTypeOf<{ scores: number[] }>();
    expectTypeOf(client.predictImages([bytes], { response: scores })).resolves.toEqualTypeOf<
      ItemResult<{ scores: number[] }>[]
    >();
  });

  it('predict is typed by its codecs', () => {
    expectTypeOf(
      client.predict([[1, 2]], { request: csvCodec(), response: csvCodec() }),
    ).resolves.toEqualTypeOf<CsvRows>();
    // @ts-expect-error the CSV codec does not encode strings
    void client.predict('not rows', { request: csvCodec(), response: csvCodec() });
  });

  it('invokeMany results are discriminated by ok', () => {
    expectTypeOf(client.invokeMany([{ body: 'x' }])).resolves.toEqualTypeOf<ItemResult<InvokeResult>[]>();
    const r = {} as ItemResult<InvokeResult>;
    if (r.ok) expectTypeOf(r.value).toEqualTypeOf<InvokeResult>();
    else expectTypeOf(r.error).toBeUnknown();
  });

  it('invoke options are checked', () => {
    // @ts-expect-error timeoutMs is a number
    void client.invoke('x', { timeoutMs: '5s' });
  });
});
