// PyTorch framework helpers: image URIs (generated from the SageMaker Python SDK's data), distribution
// hyperparameters, managed spot training, metric definitions, and CreateTrainingJob / CreateModel fragments.
export {
  FrameworkConfigError,
  UnsupportedFrameworkImageError,
  DistributionConfigError,
  SpotTrainingConfigError,
  MetricDefinitionError,
} from '../errors.js';
export { encodeHyperParameters, pythonJsonDumps, type HyperParameterValue } from '../hyperparameters.js';
export {
  MAX_METRIC_DEFINITIONS,
  MAX_TRAINING_RUNTIME_SECONDS,
  managedSpotTraining,
  metricDefinitions,
  type ManagedSpotTrainingFragment,
  type ManagedSpotTrainingOptions,
  type MetricDefinitionInput,
} from '../training.js';
export {
  instanceTypeFamily,
  isGpuInstanceType,
  isTrainiumInstanceType,
  pytorchImageUri,
  pytorchImageVersions,
  resolvePyTorchVersion,
  type PyTorchImageScope,
  type PyTorchImageUriOptions,
} from './image-uris.js';
export {
  SMDDP_SUPPORTED_INSTANCE_TYPES,
  SMDDP_SUPPORTED_PYTORCH_VERSIONS,
  TORCH_DISTRIBUTED_GPU_VERSIONS,
  TORCH_DISTRIBUTED_TRAINIUM_VERSIONS,
  pytorchDistributionHyperParameters,
  type PyTorchDistribution,
  type PyTorchDistributionOptions,
} from './distribution.js';
export {
  pytorchModelContainer,
  pytorchTrainingJob,
  type PyTorchModelContainer,
  type PyTorchModelContainerOptions,
  type PyTorchTrainingJobFragment,
  type PyTorchTrainingJobOptions,
} from './jobs.js';
