export { LocalSageMaker } from './local-sagemaker.js';
export type { LocalLogEvent, LocalSageMakerOptions, ImageMapping, LambdaHandler } from './context.js';
export { RUNTIME_DIR_ENV } from './paths.js';
export type { ContainerIsolation } from './container.js';
export { LocalS3Client } from './s3-client.js';
export { LocalSageMakerClient } from './sagemaker.js';
export { LocalSageMakerRuntimeClient } from './runtime.js';
export {
  LocalModeError,
  LocalModeUnsupportedCommandError,
  LocalModeConfigError,
  type LocalModeErrorCode,
} from './errors.js';
export type { LocalEndpointStats } from './endpoints.js';
