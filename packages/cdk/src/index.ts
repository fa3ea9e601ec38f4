// AWS CDK constructs for the SageMaker MLOps loop. Each composes the public entry points of the other packages:
// pipeline-sdk (definitions, code packaging), deploy-config (stage configs, resource properties, the Deployer) and
// labeling-bridge (the webhook Lambda bundle).
export {
  MlopsCdkError,
  UnsupportedStepTypeError,
  PipelineDefinitionLocationError,
  LambdaBundleMissingError,
  InvalidConstructPropsError,
} from './errors.js';
export { PipelineCodeAsset, type PipelineCodeAssetProps } from './code-asset.js';
export {
  SageMakerPipeline,
  type SageMakerPipelineProps,
  type PipelineContext,
  type PipelineDefinitionLocation,
} from './pipeline.js';
export { stepPolicyStatements, definitionSteps, passedRoles, type DefinitionStep } from './step-permissions.js';
export {
  ModelPackageGroup,
  ApprovalDeployment,
  deployerStatements,
  deployedResourcePrefix,
  type ModelPackageGroupProps,
  type ApprovalDeploymentProps,
} from './model-package-group.js';
export { StagedEndpoints, type StagedEndpointsProps, type StageEndpoint } from './staged-endpoints.js';
export { AWS_DLC_ACCOUNT } from './container-runtime.js';
export { modelExecutionRole, type ModelExecutionRoleOptions } from './model-role.js';
export {
  WebhookBridgeFunction,
  FrontEndFunction,
  type WebhookBridgeFunctionProps,
  type FrontEndFunctionProps,
} from './functions.js';
export { NodeFunction, NODEJS_22, type NodeFunctionProps } from './node-function.js';
export { MlopsLoop, type MlopsLoopProps, type MlopsLoopContext } from './mlops-loop.js';
