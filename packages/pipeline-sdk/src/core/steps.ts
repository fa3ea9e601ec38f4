// Step classes, one file per step family (steps/*.ts); this module keeps the public exports in one place.
export {
  STEP_NAME_PATTERN,
  Step,
  type CacheOptions,
  type RetryOptions,
  type StepOptions,
  type StepType,
} from './steps/base.js';
export type { CacheConfig, RetryPolicy, SageMakerJobExceptionType, StepExceptionType } from './steps/retry.js';
export * from './steps/jobs.js';
export * from './steps/models.js';
export * from './steps/endpoints.js';
export * from './steps/control.js';
export * from './steps/callbacks.js';
export * from './steps/checks.js';
export * from './steps/emr.js';
export * from './steps/automl.js';
export * from './steps/notebook.js';
