/** The wire path with the real AWS SDK client against moto server's SageMaker Runtime. */
import type {} from '@sagemaker-mlops/test-services/moto-global-setup';
import { motoClientConfig, queueEndpointResults, resetMoto } from '@sagemaker-mlops/test-services';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { createRuntimeClient, EndpointClient, imageCodec, jsonCodec, ResponseDecodeError } from '../../src/index.js';

const moto = inject('motoEndpoint');
const runtime = createRuntimeClient({
  ...motoClientConfig(moto),
  maxSockets: 4,
});
// moto keys its result cache by the body decoded as UTF-8 and answers 500 for other bytes, so the "image" here is
// ASCII sent as image/png; the codec path is the same as for real PNG bytes.
const IMAGE = new TextEncoder().encode('not-really-a-png');
const pngCodec = imageCodec({ contentType: 'image/png' });

describe('against moto sagemaker-runtime', () => {
  beforeEach(async () => {
    await resetMoto(moto);
  });

  it('invoke returns body, content type, variant, custom attributes and request id', async () => {
    await queueEndpointResults(moto, [
      {
        Body: '{"score":0.25}',
        ContentType: 'application/json',
        InvokedProductionVariant: 'blue',
        CustomAttributes: 'trace=1',
      },
    ]);
    const client = new EndpointClient({
      endpointName: 'scenes-staging',
      runtime,
    });
    const result = await client.invoke('{"x":1}', {
      contentType: 'application/json',
      accept: 'application/json',
      customAttributes: 'c=1',
    });
    expect(new TextDecoder().decode(result.body)).toBe('{"score":0.25}');
    expect(result.contentType).toBe('application/json');
    expect(result.invokedProductionVariant).toBe('blue');
    expect(result.customAttributes).toBe('trace=1');
    expect(result.requestId).toMatch(/\S/);
    expect(result.attempts).toBe(1);
  });

  it('predictImage decodes the demo contract from the endpoint', async () => {
    await queueEndpointResults(moto, [
      {
        Body: JSON.stringify({
          label: 'forest',
          probabilities: { forest: 0.8, sea: 0.2 },
          model_version: '7',
        }),
        ContentType: 'application/json',
      },
    ]);
    const client = new EndpointClient({
      endpointName: 'scenes-staging',
      runtime,
    });
    await expect(client.predictImage(IMAGE, { request: pngCodec })).resolves.toEqual({
      label: 'forest',
      probabilities: { forest: 0.8, sea: 0.2 },
      modelVersion: '7',
    });
  });

  it('a body that breaks the contract is a ResponseDecodeError naming the field', async () => {
    await queueEndpointResults(moto, [{ Body: '{"label":"forest"}', ContentType: 'application/json' }]);
    const client = new EndpointClient({
      endpointName: 'scenes-staging',
      runtime,
    });
    const error = await client.predictImage(IMAGE, { request: pngCodec }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseDecodeError);
    expect((error as Error).message).toMatch(/scenes-staging.*probabilities/);
  });

  it('invokeMany returns results in input order, through the JSON codec', async () => {
    // moto answers from one FIFO queue; identical requests are cached, so each body differs.
    await queueEndpointResults(
      moto,
      Array.from({ length: 6 }, (_, i) => ({
        Body: JSON.stringify({ n: i }),
        ContentType: 'application/json',
      })),
    );
    const client = new EndpointClient({
      endpointName: 'scenes-staging',
      runtime,
    });
    const codec = jsonCodec<{ n: number }>();
    const results = await client.invokeMany(
      Array.from({ length: 6 }, (_, i) => ({
        body: JSON.stringify({ i }),
        contentType: 'application/json',
      })),
      { concurrency: 1 },
    );
    expect(
      results.map((r) => (r.ok ? codec.decode(r.value.body, { contentType: r.value.contentType }).n : -1)),
    ).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
