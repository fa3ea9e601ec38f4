import { EndpointClient, type EndpointClientOptions } from '@sagemaker-mlops/endpoint-client';
import { PredictorError } from '../errors.js';
import type { Predictor } from './predictor.js';

export interface EndpointPredictorOptions {
  /** Deadline of one prediction, retries included (default 30 s, well under Label Studio's 100 s /predict timeout). */
  timeoutMs?: number;
}

/**
 * A Predictor over a SageMaker endpoint through `@sagemaker-mlops/endpoint-client`: raw image bytes in, the demo's
 * JSON contract (`{label, probabilities, model_version}`) out, with its retries and payload limits. Pass an
 * EndpointClient, or the options to build one (`{ endpointName, runtime }`).
 */
export function endpointPredictor(
  client: EndpointClient | EndpointClientOptions,
  options: EndpointPredictorOptions = {},
): Predictor {
  const endpoint = client instanceof EndpointClient ? client : new EndpointClient(client);
  return async (image) => {
    try {
      const prediction = await endpoint.predictImage(image, { timeoutMs: options.timeoutMs ?? 30_000 });
      return {
        label: prediction.label,
        probabilities: prediction.probabilities,
        modelVersion: prediction.modelVersion,
      };
    } catch (error) {
      throw new PredictorError(`endpoint ${endpoint.endpointName}: ${(error as Error).message}`, error);
    }
  };
}
