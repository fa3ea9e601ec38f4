/**
 * `@sagemaker-mlops/endpoint-client/testing/vitest`: turns a folder of labelled images into one vitest test per image,
 * so teams keep endpoint tests in their own suites (as the seed kept them in pytest).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { EndpointClient } from '../client.js';
import { listLabelledImages } from './dataset.js';
import { runEndpointTest, type ImageOutcome, type RunEndpointTestOptions } from './runner.js';

export interface DescribeEndpointImagesOptions {
  /** The client, or a function that makes it once the suite starts (e.g. after opening local mode). */
  client: EndpointClient | (() => EndpointClient | Promise<EndpointClient>);
  /** Predictions in flight at once while the suite prepares. Default 10. */
  concurrency?: number;
  /** Suite name. Default `endpoint predictions: <dir>`. */
  name?: string;
  /** Time allowed for all predictions (they run once, in beforeAll). Default 300,000 ms. */
  timeoutMs?: number;
  predict?: RunEndpointTestOptions['predict'];
}

/**
 * Declares `describe(name)` with one test per image under `dir`: "forest/123.jpg is forest". The images are
 * listed now (synchronously, so vitest sees every test), predicted together with bounded concurrency in beforeAll,
 * and each test then checks its own image, so a miss or an unreadable file fails exactly that test.
 */
export function describeEndpointImages(dir: string, options: DescribeEndpointImagesOptions): void {
  const images = listLabelledImages(dir);
  describe(options.name ?? `endpoint predictions: ${dir}`, () => {
    const outcomes = new Map<string, ImageOutcome>();
    beforeAll(async () => {
      const client = typeof options.client === 'function' ? await options.client() : options.client;
      const report = await runEndpointTest({
        client,
        images,
        concurrency: options.concurrency ?? 10,
        predict: options.predict,
      });
      for (const outcome of report.outcomes) outcomes.set(outcome.name, outcome);
    }, options.timeoutMs ?? 300_000);

    for (const image of images) {
      test(`${image.name} is ${image.expected}`, () => {
        const outcome = outcomes.get(image.name);
        if (!outcome) throw new Error(`no prediction was made for ${image.name}: see the suite's beforeAll error`);
        if (outcome.error) throw new Error(`${image.name} [${outcome.error.kind}]: ${outcome.error.message}`);
        expect(outcome.predicted, `${image.name}: expected ${image.expected}, predicted ${outcome.predicted}`).toBe(
          image.expected,
        );
      });
    }
  });
}
