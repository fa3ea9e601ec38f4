import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { registeredModelVersion } from '@sagemaker-mlops/labeling-bridge';
import type { Stage } from '../web/contract.js';
import type { StagePredictor } from '../web/predictor.js';

/**
 * The front-end shows the same model name as Label Studio: the registered version behind the stage's endpoint
 * (`<model package group>/<version>`, e.g. `sagemaker-mlops-demo/1`), not the training job name the model reports
 * itself. Read at most once a minute per stage; if SageMaker cannot say, the model's own name is kept.
 */
export function withRegisteredVersionName(
  predictor: StagePredictor,
  sagemaker: SageMakerClient,
  endpoints: Record<Stage, string>,
  ttlMs = 60_000,
): StagePredictor {
  const cache = new Map<Stage, { name: string; at: number }>();
  const nameOf = async (stage: Stage): Promise<string | undefined> => {
    const cached = cache.get(stage);
    if (cached && Date.now() - cached.at < ttlMs) return cached.name;
    try {
      const name = await registeredModelVersion(sagemaker, endpoints[stage]);
      cache.set(stage, { name, at: Date.now() });
      return name;
    } catch {
      return cached?.name;
    }
  };
  return {
    describeStages: () => predictor.describeStages(),
    async predict(stage, image, contentType, options) {
      const prediction = await predictor.predict(stage, image, contentType, options);
      const name = await nameOf(stage);
      return name ? { ...prediction, modelVersion: name } : prediction;
    },
  };
}
