// The base class of every error this package throws (each has a stable `code`).
export { PIPELINE_SDK_ERROR_CODES, PipelineSdkError, type PipelineSdkErrorCode } from './errors.js';
// Core DSL: parameters, expressions, conditions, steps, properties, pipeline, compile, validation.
export * from './core/index.js';
// Lifecycle (upsert/start/wait/stop/list), code assets, framework helpers.
export * from './lifecycle/index.js';
export * from './assets/index.js';
export * from './frameworks/pytorch/index.js';
// Job builders in the Python SDK's style: processors, the PyTorch estimator, model create/register steps.
export { PipelineSession, type GeneratedAsset, type PipelineSessionOptions } from './frameworks/session.js';
export {
  FrameworkProcessor,
  ScriptProcessor,
  frameworkRunprocScript,
  processingInput,
  processingOutput,
  type FrameworkProcessorOptions,
  type FrameworkRunOptions,
  type ProcessingInputOptions,
  type ProcessingOutputOptions,
  type ProcessorOptions,
  type ProcessorRunOptions,
  type ScriptProcessorOptions,
  type ScriptRunOptions,
} from './frameworks/processors.js';
export {
  PyTorchEstimator,
  type EstimatorFitOptions,
  type EstimatorHyperParameter,
  type PyTorchEstimatorOptions,
  type TrainingInputOption,
} from './frameworks/pytorch/estimator.js';
export {
  Model,
  driftCheckBaselines,
  modelMetrics,
  type DriftCheckBaselinesOptions,
  type FileSource,
  type MetricsSource,
  type ModelMetricsOptions,
  type ModelOptions,
  type ModelStepCommonOptions,
  type RegisterOptions,
} from './frameworks/models.js';
export {
  clarifyCheckJob,
  dataQualityCheckJob,
  modelQualityCheckJob,
  type ModelQualityCheckOptions,
  type CheckJobConfig,
  type ClarifyCheckJobOptions,
  type DataQualityCheckOptions,
  type DatasetFormat,
} from './frameworks/checks.js';
export {
  clarifyDataBiasAnalysisConfig,
  clarifyDataBiasCheckJob,
  type ClarifyBiasConfig,
  type ClarifyDataBiasCheckOptions,
  type ClarifyDataConfig,
} from './frameworks/clarify.js';
