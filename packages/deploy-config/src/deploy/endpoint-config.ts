/** What a stage config becomes in SageMaker: the CreateEndpointConfig request, its comparison, and plan text. */
import type {
  CreateEndpointConfigCommandInput,
  DescribeEndpointConfigCommandOutput,
  ProductionVariantInstanceType,
} from '@aws-sdk/client-sagemaker';
import type { StageConfig } from '../config/schema.js';
import type { DeploymentPlan } from './types.js';

/** The CreateEndpointConfig request for a stage config: the config named `endpointConfigName`, serving `modelName`. */
export function endpointConfigInput(
  config: StageConfig,
  names: { readonly endpointConfigName: string; readonly modelName: string },
): CreateEndpointConfigCommandInput {
  const { endpointConfigName, modelName } = names;
  const variant =
    config.Type === 'Serverless'
      ? {
          VariantName: config.VariantName,
          ModelName: modelName,
          ServerlessConfig: {
            MemorySizeInMB: config.ServerlessConfig.MemorySizeInMB,
            MaxConcurrency: config.ServerlessConfig.MaxConcurrency,
            ...(config.ServerlessConfig.ProvisionedConcurrency !== undefined
              ? { ProvisionedConcurrency: config.ServerlessConfig.ProvisionedConcurrency }
              : {}),
          },
        }
      : {
          VariantName: config.VariantName,
          ModelName: modelName,
          // The schema checks the ml.* shape; the SDK's enum lags behind new instance types.
          InstanceType: config.InstanceType as ProductionVariantInstanceType,
          InitialInstanceCount: config.InitialInstanceCount,
          InitialVariantWeight: 1,
        };
  const capture = config.Type === 'RealTime' ? config.DataCapture : undefined;
  return {
    EndpointConfigName: endpointConfigName,
    ProductionVariants: [variant],
    ...(config.KmsKeyId ? { KmsKeyId: config.KmsKeyId } : {}),
    ...(capture
      ? {
          DataCaptureConfig: {
            EnableCapture: true,
            InitialSamplingPercentage: capture.SamplingPercentage,
            DestinationS3Uri: capture.DestinationS3Uri,
            CaptureOptions: capture.CaptureContent.map((CaptureMode) => ({ CaptureMode })),
            ...(capture.KmsKeyId ? { KmsKeyId: capture.KmsKeyId } : {}),
          },
        }
      : {}),
  };
}

/** Whether the endpoint's current config already is what the stage config asks for (then nothing is rolled). */
export function sameEndpointConfig(
  current: DescribeEndpointConfigCommandOutput,
  desired: CreateEndpointConfigCommandInput,
): boolean {
  const a = current.ProductionVariants?.[0];
  const b = desired.ProductionVariants?.[0];
  if (!a || !b || (current.ProductionVariants?.length ?? 0) !== 1) return false;
  const same = (x: unknown, y: unknown) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  return (
    a.VariantName === b.VariantName &&
    same(a.InstanceType, b.InstanceType) &&
    same(a.InitialInstanceCount, b.InitialInstanceCount) &&
    same(a.ServerlessConfig?.MemorySizeInMB, b.ServerlessConfig?.MemorySizeInMB) &&
    same(a.ServerlessConfig?.MaxConcurrency, b.ServerlessConfig?.MaxConcurrency) &&
    same(a.ServerlessConfig?.ProvisionedConcurrency, b.ServerlessConfig?.ProvisionedConcurrency) &&
    same(current.KmsKeyId || undefined, desired.KmsKeyId) &&
    same(
      current.DataCaptureConfig?.EnableCapture ? current.DataCaptureConfig.InitialSamplingPercentage : undefined,
      desired.DataCaptureConfig?.InitialSamplingPercentage,
    ) &&
    same(
      current.DataCaptureConfig?.EnableCapture ? current.DataCaptureConfig.DestinationS3Uri : undefined,
      desired.DataCaptureConfig?.DestinationS3Uri,
    )
  );
}

/** One line describing a stage's variant, for plans and progress. */
export function variantSummary(config: StageConfig): string {
  if (config.Type === 'Serverless') {
    const s = config.ServerlessConfig;
    return `serverless ${s.MemorySizeInMB} MB, max concurrency ${s.MaxConcurrency}${s.ProvisionedConcurrency ? `, provisioned ${s.ProvisionedConcurrency}` : ''}`;
  }
  return `${config.InitialInstanceCount} x ${config.InstanceType}${config.DataCapture ? `, data capture ${config.DataCapture.SamplingPercentage}% to ${config.DataCapture.DestinationS3Uri}` : ''}`;
}

/** A deployment plan for humans, one action per line. */
export function formatPlan(plan: DeploymentPlan): string {
  const head = `Plan for stage ${plan.stage} (endpoint ${plan.endpointName}): model package ${plan.modelPackage.arn} (version ${plan.modelPackage.version})`;
  const width = Math.max(...plan.actions.map((a) => a.action.length));
  const lines = plan.actions.map(
    (a) => `  ${a.action.padEnd(width)}  ${a.resource} ${a.name}${a.detail ? ` — ${a.detail}` : ''}`,
  );
  return [head, ...lines].join('\n');
}
