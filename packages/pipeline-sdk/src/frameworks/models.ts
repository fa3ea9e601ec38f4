import type { PipelineExpression } from '../core/expressions.js';
import { ModelStep, RegisterModelStep, type RegisterModelStepArguments, type StepOptions } from '../core/steps.js';
import type { RetryPolicy } from '../core/steps/retry.js';
import { FrameworkConfigError } from './errors.js';

type Str = string | PipelineExpression<string>;

/** The Python SDK's `MetricsSource`: a report in S3 and its content type. */
export interface MetricsSource {
  readonly s3Uri: Str;
  readonly contentType: Str;
  readonly contentDigest?: Str;
}

/** The Python SDK's `FileSource`. */
export interface FileSource {
  readonly s3Uri: Str;
  readonly contentType?: Str;
  readonly contentDigest?: Str;
}

/** The Python SDK's `ModelMetrics`. */
export interface ModelMetricsOptions {
  readonly modelStatistics?: MetricsSource;
  readonly modelConstraints?: MetricsSource;
  readonly modelDataStatistics?: MetricsSource;
  readonly modelDataConstraints?: MetricsSource;
  readonly bias?: MetricsSource;
  readonly biasPreTraining?: MetricsSource;
  readonly biasPostTraining?: MetricsSource;
  readonly explainability?: MetricsSource;
}

/** The Python SDK's `DriftCheckBaselines` (check steps' `CalculatedBaseline*` properties fit here). */
export interface DriftCheckBaselinesOptions {
  readonly modelStatistics?: MetricsSource;
  readonly modelConstraints?: MetricsSource;
  readonly modelDataStatistics?: MetricsSource;
  readonly modelDataConstraints?: MetricsSource;
  readonly biasConfigFile?: FileSource;
  readonly biasPreTrainingConstraints?: MetricsSource;
  readonly biasPostTrainingConstraints?: MetricsSource;
  readonly explainabilityConstraints?: MetricsSource;
  readonly explainabilityConfigFile?: FileSource;
}

type Json = { [key: string]: unknown };

function metricsSource(source: MetricsSource): Json {
  return {
    ContentType: source.contentType,
    S3Uri: source.s3Uri,
    ...(source.contentDigest === undefined ? {} : { ContentDigest: source.contentDigest }),
  };
}

function fileSource(source: FileSource): Json {
  return {
    S3Uri: source.s3Uri,
    ...(source.contentDigest === undefined ? {} : { ContentDigest: source.contentDigest }),
    ...(source.contentType === undefined ? {} : { ContentType: source.contentType }),
  };
}

/** Fields set only when given; the group is left out when empty. */
function group(entries: [string, Json | undefined][]): Json | undefined {
  const out: Json = {};
  for (const [key, value] of entries) if (value !== undefined) out[key] = value;
  return Object.keys(out).length > 0 ? out : undefined;
}

const ms = (s: MetricsSource | undefined) => (s === undefined ? undefined : metricsSource(s));
const fs = (s: FileSource | undefined) => (s === undefined ? undefined : fileSource(s));

/** `ModelMetrics` as the Python SDK writes it: Bias and Explainability are always present, possibly empty. */
export function modelMetrics(o: ModelMetricsOptions): NonNullable<RegisterModelStepArguments['ModelMetrics']> {
  const out: Json = {};
  const quality = group([
    ['Statistics', ms(o.modelStatistics)],
    ['Constraints', ms(o.modelConstraints)],
  ]);
  if (quality) out.ModelQuality = quality;
  const dataQuality = group([
    ['Statistics', ms(o.modelDataStatistics)],
    ['Constraints', ms(o.modelDataConstraints)],
  ]);
  if (dataQuality) out.ModelDataQuality = dataQuality;
  out.Bias =
    group([
      ['Report', ms(o.bias)],
      ['PreTrainingReport', ms(o.biasPreTraining)],
      ['PostTrainingReport', ms(o.biasPostTraining)],
    ]) ?? {};
  out.Explainability = group([['Report', ms(o.explainability)]]) ?? {};
  return out as NonNullable<RegisterModelStepArguments['ModelMetrics']>;
}

/** `DriftCheckBaselines` as the Python SDK writes it (empty groups left out). */
export function driftCheckBaselines(
  o: DriftCheckBaselinesOptions,
): NonNullable<RegisterModelStepArguments['DriftCheckBaselines']> {
  const out: Json = {};
  const entries: [string, Json | undefined][] = [
    [
      'ModelQuality',
      group([
        ['Statistics', ms(o.modelStatistics)],
        ['Constraints', ms(o.modelConstraints)],
      ]),
    ],
    [
      'ModelDataQuality',
      group([
        ['Statistics', ms(o.modelDataStatistics)],
        ['Constraints', ms(o.modelDataConstraints)],
      ]),
    ],
    [
      'Bias',
      group([
        ['ConfigFile', fs(o.biasConfigFile)],
        ['PreTrainingConstraints', ms(o.biasPreTrainingConstraints)],
        ['PostTrainingConstraints', ms(o.biasPostTrainingConstraints)],
      ]),
    ],
    [
      'Explainability',
      group([
        ['Constraints', ms(o.explainabilityConstraints)],
        ['ConfigFile', fs(o.explainabilityConfigFile)],
      ]),
    ],
  ];
  for (const [key, value] of entries) if (value !== undefined) out[key] = value;
  return out as NonNullable<RegisterModelStepArguments['DriftCheckBaselines']>;
}

/** The Python SDK's `Model(image_uri, model_data, role, env)`. */
export interface ModelOptions {
  readonly imageUri: Str;
  /** model.tar.gz: an S3 URI or an expression (e.g. a training step's `ModelArtifacts.S3ModelArtifacts`). */
  readonly modelData?: Str;
  readonly role: string;
  readonly env?: { readonly [key: string]: Str };
  readonly enableNetworkIsolation?: boolean;
  readonly vpcConfig?: { readonly subnets: readonly Str[]; readonly securityGroupIds: readonly Str[] };
}

/** Options of the step itself (its name gets ModelStep's suffix). */
export interface ModelStepCommonOptions extends StepOptions {
  /** Step.* types only, as the Python SDK's ModelStep. */
  readonly retryPolicies?: readonly RetryPolicy[];
}

export interface RegisterOptions extends ModelStepCommonOptions {
  readonly modelPackageGroupName: Str;
  readonly contentTypes: readonly Str[];
  readonly responseTypes: readonly Str[];
  readonly inferenceInstances?: readonly Str[];
  readonly transformInstances?: readonly Str[];
  /** Default `PendingManualApproval` (written out, as the Python SDK does). */
  readonly approvalStatus?: Str;
  readonly modelMetrics?: ModelMetricsOptions;
  readonly driftCheckBaselines?: DriftCheckBaselinesOptions;
  /** The model package's description (`ModelPackageDescription`). */
  readonly modelPackageDescription?: Str;
  readonly customerMetadataProperties?: { readonly [key: string]: Str };
  readonly domain?: Str;
  readonly task?: Str;
  readonly samplePayloadUrl?: Str;
  readonly frameworkVersion?: Str;
}

/**
 * A model for pipeline steps, as the Python SDK's `Model` with `ModelStep`: `createStep` gives the step
 * `<name>-CreateModel`, `registerStep` gives `<name>-RegisterModel`, with the requests the Python SDK writes.
 */
export class Model {
  constructor(readonly options: ModelOptions) {
    if (typeof options.role !== 'string' || options.role.length === 0) {
      throw new FrameworkConfigError('a Model needs a role (the IAM role ARN the model runs with)');
    }
  }

  private container(): { [key: string]: unknown } {
    const o = this.options;
    return {
      Image: o.imageUri,
      Environment: { ...(o.env ?? {}) },
      ...(o.modelData === undefined ? {} : { ModelDataUrl: o.modelData }),
    };
  }

  /** `ModelStep(name, step_args=model.create())`: a Model step named `<name>-CreateModel`. */
  createStep(options: ModelStepCommonOptions): ModelStep {
    const o = this.options;
    const { name, ...rest } = options;
    return new ModelStep({
      ...rest,
      name: `${name}-CreateModel`,
      arguments: {
        ExecutionRoleArn: o.role,
        PrimaryContainer: this.container() as never,
        ...(o.vpcConfig === undefined
          ? {}
          : { VpcConfig: { Subnets: [...o.vpcConfig.subnets], SecurityGroupIds: [...o.vpcConfig.securityGroupIds] } }),
        ...(o.enableNetworkIsolation ? { EnableNetworkIsolation: true } : {}),
      },
    });
  }

  /** `ModelStep(name, step_args=model.register(...))`: a RegisterModel step named `<name>-RegisterModel`. */
  registerStep(options: RegisterOptions): RegisterModelStep {
    const {
      name,
      modelPackageGroupName,
      contentTypes,
      responseTypes,
      inferenceInstances,
      transformInstances,
      approvalStatus,
      modelMetrics: metrics,
      driftCheckBaselines: baselines,
      modelPackageDescription,
      customerMetadataProperties,
      domain,
      task,
      samplePayloadUrl,
      frameworkVersion,
      ...rest
    } = options;
    const inference: { [key: string]: unknown } = {
      Containers: [
        { ...this.container(), ...(frameworkVersion === undefined ? {} : { FrameworkVersion: frameworkVersion }) },
      ],
      SupportedContentTypes: [...contentTypes],
      SupportedResponseMIMETypes: [...responseTypes],
    };
    if (inferenceInstances !== undefined) inference.SupportedRealtimeInferenceInstanceTypes = [...inferenceInstances];
    if (transformInstances !== undefined) inference.SupportedTransformInstanceTypes = [...transformInstances];
    const args: { [key: string]: unknown } = { ModelPackageGroupName: modelPackageGroupName };
    if (modelPackageDescription !== undefined) args.ModelPackageDescription = modelPackageDescription;
    if (metrics !== undefined) args.ModelMetrics = modelMetrics(metrics);
    if (baselines !== undefined) args.DriftCheckBaselines = driftCheckBaselines(baselines);
    if (customerMetadataProperties !== undefined) args.CustomerMetadataProperties = { ...customerMetadataProperties };
    if (domain !== undefined) args.Domain = domain;
    if (task !== undefined) args.Task = task;
    if (samplePayloadUrl !== undefined) args.SamplePayloadUrl = samplePayloadUrl;
    args.InferenceSpecification = inference;
    // The Python SDK sends its default approval status explicitly.
    args.ModelApprovalStatus = approvalStatus ?? 'PendingManualApproval';
    // The Python SDK sends its default skip_model_validation as the string "None".
    args.SkipModelValidation = 'None';
    return new RegisterModelStep({
      ...rest,
      name: `${name}-RegisterModel`,
      arguments: args as RegisterModelStepArguments,
    });
  }
}
