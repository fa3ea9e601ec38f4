/** What a model says about one image. */
export interface ModelPrediction {
  /** The predicted class name. */
  label: string;
  /** Class name → probability, when the model returns them; used for the score and to stay within the allowed labels. */
  probabilities?: Readonly<Record<string, number>>;
  /** The model version that answered, when the endpoint reports it. */
  modelVersion?: string;
}

/** Classifies one image. The SageMaker endpoint adapter and test doubles both have this shape. */
export type Predictor = (image: Uint8Array, context: PredictorContext) => Promise<ModelPrediction>;

export interface PredictorContext {
  taskId: number;
  /**
   * Aborted when the ML backend gives up on the task (its deadline within Label Studio's /predict timeout); the
   * task is then left without a prediction, so Label Studio asks for it again later.
   */
  signal?: AbortSignal;
}

/** Margin uncertainty in [0, 1]: 1 − (p_top1 − p_top2). 1 when there are no probabilities. */
export function uncertainty(probabilities: Readonly<Record<string, number>> | undefined): number {
  const values = Object.values(probabilities ?? {})
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => b - a);
  if (values.length === 0) return 1;
  return Math.min(1, Math.max(0, 1 - ((values[0] ?? 0) - (values[1] ?? 0))));
}
