export {
  LabelingBridgeError,
  InvalidPayloadError,
  RequestBodyTooLargeError,
  UnauthorizedError,
  LabelConfigError,
  LabelNotAllowedError,
  MediaRefusedError,
  MediaFetchError,
  PredictorError,
  LabelStudioApiError,
  BridgeConfigError,
  PipelineStartError,
  type LabelingBridgeErrorCode,
} from './errors.js';
export { parseLabelConfig, matchLabel, type ImageClassificationConfig } from './label-config.js';
export { jsonLogger, silentLogger, type Logger } from './logger.js';
export { MediaResolver, mediaFileName, type MediaResolverOptions } from './media.js';
export { LabelStudioConnection, type LabelStudioConnectionOptions } from './label-studio/connection.js';
export { MlBackend, createMlBackend, type MlBackendOptions, type TaskPrediction } from './ml-backend/server.js';
export { uncertainty, type Predictor, type PredictorContext, type ModelPrediction } from './ml-backend/predictor.js';
export { endpointMaxConcurrency, InvocationSlots } from './ml-backend/endpoint-capacity.js';
export { labelStudioResults, type LabelStudioPredictEntry } from './ml-backend/retry-later.js';
export { registeredModelVersion } from './ml-backend/model-version.js';
export { autoLabelProject, type AutoLabelOptions, type AutoLabelReport } from './ml-backend/auto-label.js';
export {
  WebhookBridge,
  createWebhookBridge,
  type WebhookBridgeOptions,
  type WebhookAuth,
  type AnnotationRecord,
  type AnnotationOutcome,
  type EventResult,
} from './bridge/core.js';
export { startBridgeServer, bridgeListener } from './bridge/server.js';
export { syncFromLabelStudio, type SyncReport } from './bridge/sync.js';
export type { SweepReport } from './bridge/sweep.js';
export { zipClassCounts } from './bridge/class-counts.js';
export {
  endpointPredictor,
  type EndpointPredictor,
  type EndpointPredictorOptions,
} from './ml-backend/endpoint-predictor.js';
