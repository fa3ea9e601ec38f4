export * from './errors.js';
export * from './config/schema.js';
export {
  parseStageConfig,
  loadStageConfig,
  isTemplateConfiguration,
  formatJsonPath,
  TEMPLATE_PARAMETER_NAMES,
  type TemplateParameterName,
  type TemplateConfiguration,
  type StageConfigLoadOptions,
} from './config/load.js';
export {
  ModelRegistry,
  type ModelRegistryOptions,
  type ModelPackageVersion,
  type ModelPackageMetric,
} from './registry.js';
export {
  Deployer,
  formatPlan,
  endpointConfigInput,
  resourceName,
  scalableResourceId,
  type DeployerOptions,
  type DeployOptions,
  type DeployResult,
  type DeploymentPlan,
  type DeployProgress,
  type PlannedAction,
  type PlannedActionKind,
  type PlannedResource,
  type ServingState,
} from './deploy.js';
export {
  endpointCloudFormationTemplate,
  templateConfiguration,
  cliParametersAndTags,
  writeCloudFormationArtifacts,
  type TemplateConfigurationOptions,
  type CloudFormationArtifactsOptions,
} from './cloudformation.js';
export {
  endpointConfigProperties,
  modelProperties,
  serverlessVariantProperties,
  realTimeVariantProperties,
  dataCaptureProperties,
  scalableTargetProperties,
  scalingPolicyProperties,
  SAGEMAKER_SCALABLE_DIMENSION,
  INVOCATIONS_PER_INSTANCE_METRIC,
  type CfnValue,
} from './resource-properties.js';
