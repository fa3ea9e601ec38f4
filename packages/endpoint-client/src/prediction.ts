import { z } from 'zod';
import { jsonCodec, type ResponseCodec } from './codecs.js';

/**
 * The demo's inference contract: what the image classifier endpoint returns, e.g.
 * `{"label": "forest", "probabilities": {"forest": 0.93, "sea": 0.07}, "model_version": "3"}`.
 */
export const imagePredictionWireSchema = z
  .object({
    label: z.string().min(1),
    probabilities: z.record(z.string(), z.number().min(0).max(1)),
    model_version: z.union([z.string(), z.number()]).transform(String),
  })
  .refine((value) => value.label in value.probabilities, {
    message: 'label must be one of the keys of probabilities',
    path: ['label'],
  });

export interface ImagePrediction {
  label: string;
  probabilities: Record<string, number>;
  modelVersion: string;
}

const wireCodec = jsonCodec({ schema: imagePredictionWireSchema });

/** Decodes the demo's JSON contract into `{ label, probabilities, modelVersion }`, validating it with zod. */
export const imagePredictionCodec: ResponseCodec<ImagePrediction> = {
  accept: 'application/json',
  decode(body, context) {
    const wire = wireCodec.decode(body, context);
    return {
      label: wire.label,
      probabilities: wire.probabilities,
      modelVersion: wire.model_version,
    };
  },
};
