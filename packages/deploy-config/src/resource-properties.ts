import type { StageConfig } from './config/schema.js';

/**
 * The properties of the CloudFormation resources of one stage's endpoint, built in one place for every output that
 * declares them: `endpointCloudFormationTemplate()` (values are `Ref`s of its parameters and `Fn::If`s) and the CDK
 * constructs of `@sagemaker-mlops/cdk` (values are the stage config's, resource names are CDK tokens).
 * The shapes are the CloudFormation ones, which match the SageMaker and Application Auto Scaling API requests.
 */

/** A CloudFormation value: the literal, or an intrinsic function object (`{ Ref }`, `{ 'Fn::If' }`, a CDK reference). */
export type CfnValue<T> = T | { readonly [intrinsic: string]: unknown };

export const SAGEMAKER_SCALABLE_DIMENSION = 'sagemaker:variant:DesiredInstanceCount';
export const INVOCATIONS_PER_INSTANCE_METRIC = 'SageMakerVariantInvocationsPerInstance';

/** `AWS::SageMaker::Model` that serves a registered model package version. */
export function modelProperties(values: {
  modelPackageName: CfnValue<string>;
  executionRoleArn: CfnValue<string>;
}): Record<string, unknown> {
  return { PrimaryContainer: { ModelPackageName: values.modelPackageName }, ExecutionRoleArn: values.executionRoleArn };
}

/** A serverless production variant. */
export function serverlessVariantProperties(values: {
  modelName: CfnValue<string>;
  variantName: CfnValue<string>;
  memorySizeInMB: CfnValue<number>;
  maxConcurrency: CfnValue<number>;
  provisionedConcurrency?: CfnValue<number> | undefined;
}): Record<string, unknown> {
  return {
    ModelName: values.modelName,
    VariantName: values.variantName,
    ServerlessConfig: {
      MemorySizeInMB: values.memorySizeInMB,
      MaxConcurrency: values.maxConcurrency,
      ...(values.provisionedConcurrency !== undefined ? { ProvisionedConcurrency: values.provisionedConcurrency } : {}),
    },
  };
}

/** A real-time production variant on instances, taking all the traffic. */
export function realTimeVariantProperties(values: {
  modelName: CfnValue<string>;
  variantName: CfnValue<string>;
  instanceType: CfnValue<string>;
  initialInstanceCount: CfnValue<number>;
}): Record<string, unknown> {
  return {
    ModelName: values.modelName,
    VariantName: values.variantName,
    InitialInstanceCount: values.initialInstanceCount,
    InitialVariantWeight: 1,
    InstanceType: values.instanceType,
  };
}

/** `DataCaptureConfig` of an endpoint config. */
export function dataCaptureProperties(values: {
  samplingPercentage: CfnValue<number>;
  destinationS3Uri: CfnValue<string>;
  captureModes: readonly string[];
  kmsKeyId?: CfnValue<string> | undefined;
}): Record<string, unknown> {
  return {
    EnableCapture: true,
    InitialSamplingPercentage: values.samplingPercentage,
    DestinationS3Uri: values.destinationS3Uri,
    CaptureOptions: values.captureModes.map((CaptureMode) => ({ CaptureMode })),
    ...(values.kmsKeyId !== undefined ? { KmsKeyId: values.kmsKeyId } : {}),
  };
}

/** `AWS::ApplicationAutoScaling::ScalableTarget` of a variant's instance count. */
export function scalableTargetProperties(values: {
  resourceId: CfnValue<string>;
  minCapacity: CfnValue<number>;
  maxCapacity: CfnValue<number>;
}): Record<string, unknown> {
  return {
    ServiceNamespace: 'sagemaker',
    ScalableDimension: SAGEMAKER_SCALABLE_DIMENSION,
    ResourceId: values.resourceId,
    MinCapacity: values.minCapacity,
    MaxCapacity: values.maxCapacity,
  };
}

/** `AWS::ApplicationAutoScaling::ScalingPolicy` tracking invocations per instance. */
export function scalingPolicyProperties(values: {
  policyName: CfnValue<string>;
  scalingTargetId: CfnValue<string>;
  targetInvocationsPerInstance: CfnValue<number>;
  scaleInCooldownSeconds: CfnValue<number>;
  scaleOutCooldownSeconds: CfnValue<number>;
}): Record<string, unknown> {
  return {
    PolicyName: values.policyName,
    PolicyType: 'TargetTrackingScaling',
    ScalingTargetId: values.scalingTargetId,
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue: values.targetInvocationsPerInstance,
      PredefinedMetricSpecification: { PredefinedMetricType: INVOCATIONS_PER_INSTANCE_METRIC },
      ScaleInCooldown: values.scaleInCooldownSeconds,
      ScaleOutCooldown: values.scaleOutCooldownSeconds,
    },
  };
}

/**
 * `AWS::SageMaker::EndpointConfig` properties of a stage config: the same variant, capture and key settings the
 * `Deployer` sends in CreateEndpointConfig (`endpointConfigInput`), without the name, which CloudFormation generates.
 */
export function endpointConfigProperties(config: StageConfig, modelName: CfnValue<string>): Record<string, unknown> {
  const variant =
    config.Type === 'Serverless'
      ? serverlessVariantProperties({
          modelName,
          variantName: config.VariantName,
          memorySizeInMB: config.ServerlessConfig.MemorySizeInMB,
          maxConcurrency: config.ServerlessConfig.MaxConcurrency,
          provisionedConcurrency: config.ServerlessConfig.ProvisionedConcurrency,
        })
      : realTimeVariantProperties({
          modelName,
          variantName: config.VariantName,
          instanceType: config.InstanceType,
          initialInstanceCount: config.InitialInstanceCount,
        });
  const capture = config.Type === 'RealTime' ? config.DataCapture : undefined;
  return {
    ProductionVariants: [variant],
    ...(config.KmsKeyId ? { KmsKeyId: config.KmsKeyId } : {}),
    ...(capture
      ? {
          DataCaptureConfig: dataCaptureProperties({
            samplingPercentage: capture.SamplingPercentage,
            destinationS3Uri: capture.DestinationS3Uri,
            captureModes: capture.CaptureContent,
            kmsKeyId: capture.KmsKeyId,
          }),
        }
      : {}),
  };
}
