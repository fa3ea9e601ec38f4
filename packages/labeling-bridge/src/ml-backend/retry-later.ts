import type { TaskPrediction } from './server.js';

/**
 * One entry of Label Studio's /predict answer: a prediction, or an empty list for a task the backend could not
 * predict this time.
 *
 * Why an empty list: Label Studio 1.23 (`ml/models.py`, `MLBackend._get_predictions_from_ml_backend`) needs one entry
 * per task, in order, and reads each entry as a list of predictions; it stores one row per item that has `result`.
 * An empty list stores nothing for that task, while the other tasks' predictions are kept. Label Studio skips a task
 * only when it already has a prediction of the current model version, so the next time the task is opened (or
 * "Retrieve predictions" runs) it asks again. An entry with `result: []` would instead be stored under the model
 * version as an empty pre-label and never asked for again.
 */
export type LabelStudioPredictEntry = Omit<TaskPrediction, 'error' | 'uncertainty'> | [];

/** The /predict body's `results`: failed tasks become "ask me again later" entries; internal fields are dropped. */
export function labelStudioResults(predictions: readonly TaskPrediction[]): LabelStudioPredictEntry[] {
  return predictions.map(({ error, uncertainty: _uncertainty, ...prediction }) =>
    error !== undefined || prediction.result.length === 0 ? [] : prediction,
  );
}
