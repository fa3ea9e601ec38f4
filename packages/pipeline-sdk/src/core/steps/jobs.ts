import type {
  AlgorithmSpecification,
  Channel,
  CreateHyperParameterTuningJobRequest,
  CreateProcessingJobRequest,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
  DescribeHyperParameterTuningJobResponse,
  DescribeProcessingJobResponse,
  DescribeTrainingJobResponse,
  DescribeTransformJobResponse,
  ListTrainingJobsForHyperParameterTuningJobResponse,
  MetricData,
  MetricDefinition,
  ProcessingInput,
  ProcessingOutput,
  ProcessingOutputConfig,
} from '@aws-sdk/client-sagemaker';
import { InvalidArgumentError, PropertyFileError } from '../errors.js';
import { Join, type PipelineExpression, PropertyFile } from '../expressions.js';
import {
  createProperties,
  type NamedPropertyList,
  type NamedPropertyMap,
  type PropertiesOf,
  type Property,
  type PropertyList,
} from '../properties.js';
import { PROPERTY_ROOTS, PROPERTY_SHAPES } from '../property-shapes.generated.js';
import type { Pipelined, StepArguments } from '../types.js';
import { COMMON_OPTIONS, type CacheOptions, checkOptions, type RetryOptions, Step, type StepOptions } from './base.js';

type Str = string | PipelineExpression<string>;

// ---------------------------------------------------------------------------------------------
// Processing

type ProcessingOutputArg<Out extends string> = Omit<Pipelined<ProcessingOutput>, 'OutputName'> & { OutputName: Out };
type ProcessingInputArg<In extends string> = Omit<Pipelined<ProcessingInput>, 'InputName'> & { InputName: In };

/**
 * CreateProcessingJob request; input/output names and environment keys are kept as literal types.
 * `ProcessingJobName` is kept only when the pipeline sets `useCustomJobPrefix`.
 */
export type ProcessingStepArguments<
  Out extends string = string,
  In extends string = string,
  Env extends string = string,
> = Omit<
  StepArguments<CreateProcessingJobRequest, 'ProcessingJobName'>,
  'ProcessingInputs' | 'ProcessingOutputConfig' | 'Environment'
> & {
  ProcessingInputs?: ProcessingInputArg<In>[];
  ProcessingOutputConfig?: Omit<Pipelined<ProcessingOutputConfig>, 'Outputs'> & { Outputs: ProcessingOutputArg<Out>[] };
  Environment?: { [K in Env]: Str };
};

type DescribeProcessing = PropertiesOf<DescribeProcessingJobResponse>;
type ProcessingOutputProps = PropertiesOf<ProcessingOutput>;
type ProcessingInputProps = PropertiesOf<ProcessingInput>;

/** Properties of a Processing step; `Outputs['train']` / `ProcessingInputs['code']` know the declared names. */
export type ProcessingStepProperties<Out extends string, In extends string, Env extends string = string> = Omit<
  DescribeProcessing,
  'ProcessingOutputConfig' | 'ProcessingInputs' | 'Environment'
> & {
  readonly ProcessingOutputConfig: Omit<DescribeProcessing['ProcessingOutputConfig'], 'Outputs'> & {
    readonly Outputs: NamedPropertyList<ProcessingOutputProps, Out>;
  };
  readonly ProcessingInputs: NamedPropertyList<ProcessingInputProps, In>;
  readonly Environment: NamedPropertyMap<Property<string>, Env>;
};

export interface ProcessingStepOptions<Out extends string, In extends string, Env extends string = string>
  extends StepOptions,
    RetryOptions,
    CacheOptions {
  arguments: ProcessingStepArguments<Out, In, Env>;
  /** JSON files in the step's outputs that later steps read with JsonGet. */
  propertyFiles?: readonly PropertyFile[];
}

export class ProcessingStep<
  Out extends string = string,
  In extends string = string,
  Env extends string = string,
> extends Step {
  readonly stepType = 'Processing' as const;
  override readonly jobNameArgument = 'ProcessingJobName';
  readonly properties: ProcessingStepProperties<Out, In, Env>;
  readonly propertyFiles: readonly PropertyFile[];
  readonly #arguments: ProcessingStepArguments<Out, In, Env>;

  constructor(options: ProcessingStepOptions<Out, In, Env>) {
    super(options);
    checkOptions(
      options.name,
      options,
      [...COMMON_OPTIONS, 'arguments', 'propertyFiles', 'retryPolicies', 'cacheConfig'],
      'ProcessingStep',
    );
    this.#arguments = options.arguments;
    this.propertyFiles = [...(options.propertyFiles ?? [])];
    const outputNames = (options.arguments.ProcessingOutputConfig?.Outputs ?? []).map((o) => o.OutputName);
    checkPropertyFiles(this.name, this.propertyFiles, outputNames);
    if (this.propertyFiles.length > 0)
      this.extraFields.PropertyFiles = this.propertyFiles.map((f) => f.toDeclaration());
    this.properties = createProperties(this.name, PROPERTY_ROOTS.Processing);
  }

  get arguments(): ProcessingStepArguments<Out, In, Env> {
    return this.#arguments;
  }
}

/** Property files must be PropertyFile objects, unique, and read an output the step declares. */
function checkPropertyFiles(
  stepName: string,
  files: readonly PropertyFile[],
  outputNames: readonly (string | PipelineExpression<string>)[],
): void {
  const seen = new Set<string>();
  files.forEach((file, i) => {
    if (!(file instanceof PropertyFile)) {
      throw new PropertyFileError('propertyFiles entries must be PropertyFile objects', {
        stepName,
        path: `PropertyFiles[${i}]`,
      });
    }
    if (seen.has(file.name)) {
      throw new PropertyFileError(`property file '${file.name}' is declared twice`, {
        stepName,
        path: `PropertyFiles[${i}]`,
      });
    }
    seen.add(file.name);
    if (!outputNames.some((name) => typeof name !== 'string' || name === file.outputName)) {
      throw new PropertyFileError(
        `property file '${file.name}' reads output '${file.outputName}', but the step's outputs are ${JSON.stringify(outputNames)}: add a ProcessingOutput with that OutputName or fix outputName`,
        { stepName, path: `PropertyFiles[${i}].OutputName` },
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Training

type MetricDefinitionArg<M extends string> = Omit<Pipelined<MetricDefinition>, 'Name'> & { Name: M | undefined };
type ChannelArg<C extends string> = Omit<Pipelined<Channel>, 'ChannelName'> & { ChannelName: C | undefined };

/**
 * CreateTrainingJob request; metric names, channel names, hyperparameter and environment keys are kept as
 * literal types so that `FinalMetricDataList['m']`, `InputDataConfig['train']`, `HyperParameters['lr']`
 * type-check without `!`. `TrainingJobName` is kept only when the pipeline sets `useCustomJobPrefix`.
 */
export type TrainingStepArguments<
  M extends string = string,
  C extends string = string,
  H extends string = string,
  E extends string = string,
> = Omit<
  StepArguments<CreateTrainingJobRequest, 'TrainingJobName'>,
  'AlgorithmSpecification' | 'InputDataConfig' | 'HyperParameters' | 'Environment'
> & {
  AlgorithmSpecification: Omit<Pipelined<AlgorithmSpecification>, 'MetricDefinitions'> & {
    MetricDefinitions?: MetricDefinitionArg<M>[];
  };
  InputDataConfig?: ChannelArg<C>[];
  HyperParameters?: { [K in H]: Str };
  Environment?: { [K in E]: Str };
};

type DescribeTraining = PropertiesOf<DescribeTrainingJobResponse>;

export type TrainingStepProperties<
  M extends string = string,
  C extends string = string,
  H extends string = string,
  E extends string = string,
> = Omit<DescribeTraining, 'FinalMetricDataList' | 'InputDataConfig' | 'HyperParameters' | 'Environment'> & {
  readonly FinalMetricDataList: PropertyList<PropertiesOf<MetricData>, M>;
  readonly InputDataConfig: PropertyList<PropertiesOf<Channel>, C>;
  readonly HyperParameters: NamedPropertyMap<Property<string>, H>;
  readonly Environment: NamedPropertyMap<Property<string>, E>;
};

export interface TrainingStepOptions<
  M extends string = string,
  C extends string = string,
  H extends string = string,
  E extends string = string,
> extends StepOptions,
    RetryOptions,
    CacheOptions {
  arguments: TrainingStepArguments<M, C, H, E>;
}

export class TrainingStep<
  M extends string = string,
  C extends string = string,
  H extends string = string,
  E extends string = string,
> extends Step {
  readonly stepType = 'Training' as const;
  override readonly jobNameArgument = 'TrainingJobName';
  readonly properties: TrainingStepProperties<M, C, H, E>;
  readonly #arguments: TrainingStepArguments<M, C, H, E>;

  constructor(options: TrainingStepOptions<M, C, H, E>) {
    super(options);
    checkOptions(
      options.name,
      options,
      [...COMMON_OPTIONS, 'arguments', 'retryPolicies', 'cacheConfig'],
      'TrainingStep',
    );
    this.#arguments = options.arguments;
    this.properties = createProperties(this.name, PROPERTY_ROOTS.Training);
  }

  get arguments(): TrainingStepArguments<M, C, H, E> {
    return this.#arguments;
  }
}

// ---------------------------------------------------------------------------------------------
// Tuning

/** `HyperParameterTuningJobName` is kept only when the pipeline sets `useCustomJobPrefix`. */
export type TuningStepArguments = StepArguments<CreateHyperParameterTuningJobRequest, 'HyperParameterTuningJobName'>;

export interface TuningStepOptions extends StepOptions, RetryOptions, CacheOptions {
  arguments: TuningStepArguments;
}

/** Tuning properties merge the tuning job's Describe response with its training-job summaries, as the Python SDK does. */
export type TuningStepProperties = PropertiesOf<
  DescribeHyperParameterTuningJobResponse &
    Pick<ListTrainingJobsForHyperParameterTuningJobResponse, 'TrainingJobSummaries'>
>;

export class TuningStep extends Step {
  readonly stepType = 'Tuning' as const;
  override readonly jobNameArgument = 'HyperParameterTuningJobName';
  readonly properties: TuningStepProperties;
  readonly #arguments: TuningStepArguments;

  constructor(options: TuningStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON_OPTIONS, 'arguments', 'retryPolicies', 'cacheConfig'], 'TuningStep');
    this.#arguments = options.arguments;
    const merged = {
      ...PROPERTY_SHAPES[PROPERTY_ROOTS.Tuning],
      ...PROPERTY_SHAPES[PROPERTY_ROOTS.TuningJobSummaries],
    };
    this.properties = createProperties(this.name, merged);
  }

  get arguments(): TuningStepArguments {
    return this.#arguments;
  }

  /**
   * S3 URI of the model of the `topK`-th best training job (0 = best), as the Python SDK's
   * `get_top_model_s3_uri`: `s3://<bucket>/<prefix>/<training job name>/output/model.tar.gz`.
   */
  topModelS3Uri(topK: number, s3Bucket: Str, prefix = ''): Join {
    if (!Number.isInteger(topK) || topK < 0 || topK > 49) {
      throw new InvalidArgumentError(`topK ${topK} is out of range 0..49`, { stepName: this.name });
    }
    const values: (string | PipelineExpression<unknown>)[] = ['s3:/', s3Bucket];
    if (prefix !== '') values.push(prefix);
    const summary = this.properties.TrainingJobSummaries[topK as 0];
    values.push(summary.TrainingJobName, 'output/model.tar.gz');
    return new Join({ on: '/', values });
  }
}

// ---------------------------------------------------------------------------------------------
// Transform

/** `TransformJobName` is kept only when the pipeline sets `useCustomJobPrefix`. */
export type TransformStepArguments = StepArguments<CreateTransformJobRequest, 'TransformJobName'>;

export interface TransformStepOptions extends StepOptions, RetryOptions, CacheOptions {
  arguments: TransformStepArguments;
}

export class TransformStep extends Step {
  readonly stepType = 'Transform' as const;
  override readonly jobNameArgument = 'TransformJobName';
  readonly properties: PropertiesOf<DescribeTransformJobResponse>;
  readonly #arguments: TransformStepArguments;

  constructor(options: TransformStepOptions) {
    super(options);
    checkOptions(
      options.name,
      options,
      [...COMMON_OPTIONS, 'arguments', 'retryPolicies', 'cacheConfig'],
      'TransformStep',
    );
    this.#arguments = options.arguments;
    this.properties = createProperties(this.name, PROPERTY_ROOTS.Transform);
  }

  get arguments(): TransformStepArguments {
    return this.#arguments;
  }
}
