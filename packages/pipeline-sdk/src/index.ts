// The base class of every error this package throws (each has a stable `code`).
export { PIPELINE_SDK_ERROR_CODES, PipelineSdkError, type PipelineSdkErrorCode } from './errors.js';
// Core DSL: parameters, expressions, conditions, steps, properties, pipeline, compile, validation.
export * from './core/index.js';
// Lifecycle (upsert/start/wait/stop/list), code assets, framework helpers.
export * from './lifecycle/index.js';
export * from './assets/index.js';
export * from './frameworks/pytorch/index.js';
