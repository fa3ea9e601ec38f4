import type { TrainingInstanceType } from '@aws-sdk/client-sagemaker';
import type { UploadedSourceDir } from '../../assets/index.js';
import { isExpression, type PipelineExpression } from '../../core/expressions.js';
import { Parameter } from '../../core/expressions.js';
import { TrainingStep, type TrainingStepArguments, type TrainingStepOptions } from '../../core/steps.js';
import { FrameworkConfigError } from '../errors.js';
import { encodeHyperParameters, type HyperParameterValue } from '../hyperparameters.js';
import type { PipelineSession } from '../session.js';
import type { MetricDefinitionInput } from '../training.js';
import type { PyTorchDistribution } from './distribution.js';
import { pytorchTrainingJob } from './jobs.js';

type Str = string | PipelineExpression<string>;

/** A hyperparameter value: JSON-encoded for the container, or a pipeline expression (sent as a string). */
export type EstimatorHyperParameter = HyperParameterValue | PipelineExpression<unknown>;

export interface PyTorchEstimatorOptions<H extends string, E extends string, M extends string> {
  readonly session: PipelineSession;
  readonly role: string;
  /** The training script, relative to `sourceDir`. */
  readonly entryPoint: string;
  /** `sourcedir.tar.gz` in S3: an S3 URI, or `uploadSourceDir`'s result. */
  readonly sourceDir: string | Pick<UploadedSourceDir, 's3Uri'>;
  readonly frameworkVersion: string;
  readonly pythonVersion?: string;
  readonly instanceType: string;
  /** Default 1. */
  readonly instanceCount?: number;
  /** Default 30. */
  readonly volumeSize?: number;
  readonly hyperparameters?: { readonly [K in H]: EstimatorHyperParameter };
  readonly distribution?: PyTorchDistribution;
  /** Default 86400 (1 day). */
  readonly maxRun?: number;
  /** Managed spot training; needs `maxWait` >= `maxRun`. */
  readonly useSpotInstances?: boolean;
  readonly maxWait?: number;
  readonly checkpointS3Uri?: string;
  readonly checkpointLocalPath?: string;
  readonly metricDefinitions?: readonly (MetricDefinitionInput & { readonly name: M })[];
  readonly enableNetworkIsolation?: boolean;
  readonly environment?: { readonly [K in E]: Str };
  /** Default `s3://<default bucket>/[prefix/]`, as the Python SDK. */
  readonly outputPath?: string;
  readonly disableProfiler?: boolean;
  /** `false` leaves out the debugger hook (the Python SDK's `debugger_hook_config=False`). */
  readonly debuggerHookConfig?: false;
  readonly imageUri?: string;
  readonly containerLogLevel?: number;
  /** Job-name prefix; kept in the definition only with `new Pipeline({ useCustomJobPrefix: true })`. */
  readonly baseJobName?: string;
}

/** A data channel: an S3 URI (or expression), or the Python SDK's `TrainingInput` options. */
export type TrainingInputOption =
  | Str
  | {
      readonly s3Data: Str;
      readonly contentType?: Str;
      readonly distribution?: 'FullyReplicated' | 'ShardedByS3Key';
      readonly s3DataType?: 'S3Prefix' | 'ManifestFile' | 'AugmentedManifestFile';
      readonly inputMode?: 'File' | 'Pipe' | 'FastFile';
      readonly compression?: 'None' | 'Gzip';
    };

export interface EstimatorFitOptions<C extends string> extends Omit<TrainingStepOptions, 'arguments'> {
  readonly inputs?: { readonly [K in C]: TrainingInputOption };
}

/** What a pipeline variable turns into as a hyperparameter: Python's `to_string()` (a ParameterString stays as is). */
function expressionAsString(value: PipelineExpression<unknown>): PipelineExpression<string> {
  return value instanceof Parameter && value.parameterType === 'String'
    ? (value as PipelineExpression<string>)
    : value.asString();
}

type ChannelArgument = NonNullable<TrainingStepArguments['InputDataConfig']>[number];

function channel(name: string, input: TrainingInputOption): ChannelArgument {
  const o = typeof input === 'string' || isExpression(input) ? { s3Data: input } : input;
  return {
    DataSource: {
      S3DataSource: {
        S3DataType: o.s3DataType ?? 'S3Prefix',
        S3Uri: o.s3Data,
        S3DataDistributionType: o.distribution ?? 'FullyReplicated',
      },
    },
    ...(o.contentType === undefined ? {} : { ContentType: o.contentType }),
    ...(o.compression === undefined ? {} : { CompressionType: o.compression }),
    ...(o.inputMode === undefined ? {} : { InputMode: o.inputMode }),
    ChannelName: name,
  };
}

/**
 * The Python SDK's `PyTorch` estimator: `step({ name, inputs })` is `TrainingStep(name, step_args=estimator.fit(inputs))`,
 * with the same CreateTrainingJob request (script mode, distribution, spot, checkpoints, debugger and profiler).
 */
export class PyTorchEstimator<
  const H extends string = never,
  const E extends string = never,
  const M extends string = never,
> {
  constructor(readonly options: PyTorchEstimatorOptions<H, E, M>) {
    if (options.useSpotInstances && options.maxWait === undefined) {
      throw new FrameworkConfigError(
        'useSpotInstances needs maxWait (seconds to wait for spot capacity plus training)',
      );
    }
    if (!options.useSpotInstances && options.maxWait !== undefined) {
      throw new FrameworkConfigError('maxWait applies only with useSpotInstances: true');
    }
  }

  /** The CreateTrainingJob arguments of `fit(inputs)`. */
  fit<const C extends string = never>(
    inputs?: { readonly [K in C]: TrainingInputOption },
  ): TrainingStepArguments<M, C | 'code', H | `sagemaker_${string}`, E> {
    const o = this.options;
    const { session } = o;
    const sourceDir = typeof o.sourceDir === 'string' ? o.sourceDir : o.sourceDir.s3Uri;
    if (!sourceDir.startsWith('s3://')) {
      throw new FrameworkConfigError(`sourceDir '${sourceDir}' must be an S3 URI (uploadSourceDir makes one)`);
    }
    // With network isolation the container cannot read S3: the code comes in as a channel, as in the Python SDK.
    const submitDirectory = o.enableNetworkIsolation ? '/opt/ml/input/data/code/sourcedir.tar.gz' : sourceDir;
    const plain: Record<string, HyperParameterValue> = {};
    const expressions: Record<string, PipelineExpression<string>> = {};
    for (const [key, value] of Object.entries(o.hyperparameters ?? {}) as [string, EstimatorHyperParameter][]) {
      if (isExpression(value)) expressions[key] = expressionAsString(value);
      else plain[key] = value;
    }
    const job = pytorchTrainingJob({
      region: session.region,
      frameworkVersion: o.frameworkVersion,
      ...(o.pythonVersion === undefined ? {} : { pythonVersion: o.pythonVersion }),
      instanceType: o.instanceType,
      ...(o.instanceCount === undefined ? {} : { instanceCount: o.instanceCount }),
      ...(o.volumeSize === undefined ? {} : { volumeSizeInGB: o.volumeSize }),
      code: {
        entryPoint: o.entryPoint,
        trainingHyperParameters: (settings) =>
          encodeHyperParameters({
            sagemaker_submit_directory: submitDirectory,
            sagemaker_program: o.entryPoint,
            sagemaker_container_log_level: settings.containerLogLevel ?? 20,
            sagemaker_region: settings.region,
          }),
      },
      hyperParameters: plain,
      ...(o.distribution === undefined ? {} : { distribution: o.distribution }),
      ...(o.useSpotInstances
        ? { spot: { maxRuntimeInSeconds: o.maxRun ?? 86_400, maxWaitTimeInSeconds: o.maxWait as number } }
        : { maxRuntimeInSeconds: o.maxRun ?? 86_400 }),
      ...(o.metricDefinitions === undefined ? {} : { metricDefinitions: o.metricDefinitions }),
      ...(o.imageUri === undefined ? {} : { imageUri: o.imageUri }),
      ...(o.containerLogLevel === undefined ? {} : { containerLogLevel: o.containerLogLevel }),
    });
    const outputPath =
      o.outputPath ?? `s3://${[session.defaultBucket, session.defaultBucketPrefix].filter(Boolean).join('/')}/`;
    const channels: ChannelArgument[] = Object.entries(inputs ?? {}).map(([name, input]) =>
      channel(name, input as TrainingInputOption),
    );
    if (o.enableNetworkIsolation) channels.push(channel('code', sourceDir));
    const args: TrainingStepArguments = {
      ...(o.baseJobName === undefined ? {} : { TrainingJobName: o.baseJobName }),
      AlgorithmSpecification: job.AlgorithmSpecification as TrainingStepArguments['AlgorithmSpecification'],
      OutputDataConfig: { S3OutputPath: outputPath },
      StoppingCondition: job.StoppingCondition,
      ResourceConfig: { ...job.ResourceConfig, InstanceType: o.instanceType as TrainingInstanceType },
      RoleArn: o.role,
      ...(channels.length > 0 ? { InputDataConfig: channels } : {}),
      HyperParameters: { ...job.HyperParameters, ...expressions },
    };
    if (o.environment !== undefined) args.Environment = { ...o.environment };
    if (o.enableNetworkIsolation) args.EnableNetworkIsolation = true;
    if (o.useSpotInstances) args.EnableManagedSpotTraining = true;
    if (o.checkpointS3Uri !== undefined) {
      args.CheckpointConfig = {
        S3Uri: o.checkpointS3Uri,
        ...(o.checkpointLocalPath === undefined ? {} : { LocalPath: o.checkpointLocalPath }),
      };
    }
    // Python's Framework._validate_and_set_debugger_configs: SMDebug does not support distributed jobs with checkpoints.
    const distributedCheckpoints =
      o.checkpointS3Uri !== undefined &&
      o.checkpointLocalPath !== undefined &&
      ((o.instanceCount ?? 1) > 1 || o.distribution !== undefined);
    if (o.debuggerHookConfig !== false && !distributedCheckpoints) {
      args.DebugHookConfig = { S3OutputPath: outputPath, CollectionConfigurations: [] };
    }
    args.ProfilerConfig = o.disableProfiler
      ? { DisableProfiler: true }
      : { S3OutputPath: outputPath, DisableProfiler: false };
    return args as TrainingStepArguments<M, C | 'code', H | `sagemaker_${string}`, E>;
  }

  /** `TrainingStep(name, step_args=estimator.fit(inputs))`. */
  step<const C extends string = never>(
    options: EstimatorFitOptions<C>,
  ): TrainingStep<M, C | 'code', H | `sagemaker_${string}`, E> {
    const { inputs, ...step } = options;
    return new TrainingStep({ ...step, arguments: this.fit<C>(inputs) });
  }
}
