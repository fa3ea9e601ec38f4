/**
 * The steps of the demo loop, one module per responsibility under steps/; this module is their one import point
 * for the CLI and `all`.
 */
import { basename, join, relative } from 'node:path';
import { appRoot } from './context.js';

export { type DataOutputs, dataStep, RAW_DATASET_NAME } from './steps/data.js';
export { approveStep, deployStep, stageConfigs, testEndpointStep } from './steps/deploy-steps.js';
export { imageUris, processingEntrypoint, uploadMlCode } from './steps/ml-code.js';
export {
  defaultsFromTune,
  ensureModelPackageGroup,
  pipelineRunner,
  pipelineStart,
  pipelineUpsert,
  pipelineWait,
} from './steps/pipeline-steps.js';
export { type TuneOutputs, tuneStep } from './steps/tune.js';

export function relativeToRepo(path: string): string {
  return relative(join(appRoot, '../..'), path) || basename(path);
}
