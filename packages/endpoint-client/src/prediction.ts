import { z } from 'zod';
import { jsonCodec, type ResponseCodec } from './codecs.js';

/**
 * The demo's inference contract (apps/demo/ml/code/inference.py), defined here only: what the image classifier
 * endpoint returns, e.g. `{"label": "forest", "probabilities": {"forest": 0.93, "sea": 0.07}, "model_version": "3"}`,
 * plus `explanation: {"method": "grad-cam", "heatmap_png": "<base64>"}` when the request asked for one
 * (`explain=true` as a Content-Type parameter or in CustomAttributes).
 */
export const imagePredictionWireSchema = z
  .object({
    label: z.string().min(1),
    probabilities: z.record(z.string(), z.number().min(0).max(1)),
    model_version: z.union([z.string(), z.number()]).transform(String),
    explanation: z.object({ method: z.string(), heatmap_png: z.string().min(1) }).optional(),
  })
  .refine((value) => value.label in value.probabilities, {
    message: 'label must be one of the keys of probabilities',
    path: ['label'],
  });

/** An explanation heatmap: a grayscale PNG (white = most important), base64-encoded. */
export interface PredictionHeatmap {
  method: string;
  pngBase64: string;
}

export interface ImagePrediction {
  label: string;
  probabilities: Record<string, number>;
  modelVersion: string;
  /** Present when the request asked for an explanation and the model gives one. */
  heatmap?: PredictionHeatmap;
}

const wireCodec = jsonCodec({ schema: imagePredictionWireSchema });

/**
 * Decodes the demo's JSON contract into `{ label, probabilities, modelVersion, heatmap? }`, validating it with zod.
 */
export const imagePredictionCodec: ResponseCodec<ImagePrediction> = {
  accept: 'application/json',
  decode(body, context) {
    const wire = wireCodec.decode(body, context);
    const prediction: ImagePrediction = {
      label: wire.label,
      probabilities: wire.probabilities,
      modelVersion: wire.model_version,
    };
    if (wire.explanation)
      prediction.heatmap = { method: wire.explanation.method, pngBase64: wire.explanation.heatmap_png };
    return prediction;
  },
};
