import type { AcceptedImageType, Heatmap, Stage, StageStatus } from './contract.js';

export interface StagePrediction {
  label: string;
  probabilities: Record<string, number>;
  modelVersion: string | null;
  heatmap?: Heatmap;
}

/**
 * What the web handler needs from the deployed endpoints. The server builds one from
 * SageMaker / SageMaker Runtime clients (AWS or local mode); the browser never sees them.
 */
export interface StagePredictor {
  describeStages(): Promise<StageStatus[]>;
  predict(
    stage: Stage,
    image: Uint8Array,
    contentType: AcceptedImageType,
    options: { explain: boolean },
  ): Promise<StagePrediction>;
}
