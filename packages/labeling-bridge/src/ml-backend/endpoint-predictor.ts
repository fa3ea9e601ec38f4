import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { EndpointClient, type EndpointClientOptions } from '@sagemaker-mlops/endpoint-client';
import { PredictorError } from '../errors.js';
import { endpointMaxConcurrency, InvocationSlots } from './endpoint-capacity.js';
import type { Predictor } from './predictor.js';

export interface EndpointPredictorOptions {
  /**
   * Deadline of one prediction, waiting for a free slot, cold start and retries included (default 60 s: a
   * serverless cold start fits, and it stays under Label Studio's 100 s /predict timeout).
   */
  timeoutMs?: number;
  /**
   * Invocations in flight at most, across all requests. Default: the endpoint's serverless `MaxConcurrency` when
   * `sagemaker` is given (read once, on the first prediction), else 8.
   */
  maxConcurrency?: number;
  /** Reads the endpoint's serverless `MaxConcurrency` (DescribeEndpoint → DescribeEndpointConfig). */
  sagemaker?: SageMakerClient;
}

/** What a predictor over an endpoint also exposes: its invocation slots (for metrics and tests). */
export type EndpointPredictor = Predictor & { readonly slots: InvocationSlots };

const DEFAULT_CONCURRENCY = 8;

/**
 * A Predictor over a SageMaker endpoint through `@sagemaker-mlops/endpoint-client`: raw image bytes in, the demo's
 * JSON contract (`{label, probabilities, model_version}`) out. It never sends more invocations at once than the
 * endpoint accepts, and retries throttling and cold starts (ModelNotReady) until its deadline instead of after a
 * fixed number of attempts. Pass the options to build its client (`{ endpointName, runtime }`), or an
 * EndpointClient, whose own retry policy is then kept.
 */
export function endpointPredictor(
  client: EndpointClient | EndpointClientOptions,
  options: EndpointPredictorOptions = {},
): EndpointPredictor {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const endpoint =
    client instanceof EndpointClient
      ? client
      : new EndpointClient({
          // The deadline bounds the retries, not an attempt count: a cold start may take many throttled attempts.
          retry: { maxAttempts: 1_000, maxDelayMs: 2_000, budgetTokens: Number.POSITIVE_INFINITY },
          ...client,
        });
  const slots = new InvocationSlots(options.maxConcurrency ?? DEFAULT_CONCURRENCY);
  let sized: Promise<void> | undefined =
    options.maxConcurrency === undefined && options.sagemaker ? undefined : Promise.resolve();
  const sizeSlots = (): Promise<void> => {
    sized ??= endpointMaxConcurrency(options.sagemaker as SageMakerClient, endpoint.endpointName).then(
      (max) => {
        if (max !== undefined) slots.resize(max);
      },
      (error: unknown) => {
        sized = undefined; // read again on the next prediction
        throw new PredictorError(
          `endpoint ${endpoint.endpointName}: could not read its MaxConcurrency: ${(error as Error).message}`,
          error,
        );
      },
    );
    return sized;
  };
  const predictor = async (image: Uint8Array, context: { taskId: number; signal?: AbortSignal }) => {
    const startedAt = Date.now();
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = context.signal ? AbortSignal.any([context.signal, deadline]) : deadline;
    try {
      await sizeSlots();
      const prediction = await slots.run(
        () => endpoint.predictImage(image, { signal, timeoutMs: Math.max(1, timeoutMs - (Date.now() - startedAt)) }),
        signal,
      );
      return {
        label: prediction.label,
        probabilities: prediction.probabilities,
        modelVersion: prediction.modelVersion,
      };
    } catch (error) {
      if (error instanceof PredictorError) throw error;
      throw new PredictorError(`endpoint ${endpoint.endpointName}: ${(error as Error).message}`, error);
    }
  };
  return Object.assign(predictor, { slots });
}
