import type {
  CreateEndpointConfigInput,
  CreateEndpointInput,
  CreateHyperParameterTuningJobRequest,
  CreateModelInput,
  CreateModelPackageInput,
  CreateProcessingJobRequest,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
  DescribeEndpointConfigOutput,
  DescribeEndpointOutput,
  DescribeHyperParameterTuningJobResponse,
  DescribeModelOutput,
  DescribeModelPackageOutput,
  DescribeProcessingJobResponse,
  DescribeTrainingJobResponse,
  DescribeTransformJobResponse,
  ListTrainingJobsForHyperParameterTuningJobResponse,
  ProcessingInput,
  ProcessingOutput,
  ProcessingOutputConfig,
} from '@aws-sdk/client-sagemaker';
import type { Condition } from './conditions.js';
import { InvalidArgumentError, InvalidStepNameError, PropertyFileError, RetryPolicyError } from './errors.js';
import { Join, PropertyFile, type JsonValue, type PipelineExpression, type Primitive } from './expressions.js';
import {
  createProperties,
  stepProperty,
  type NamedPropertyList,
  type PropertiesOf,
  type Property,
} from './properties.js';
import { PROPERTY_ROOTS, PROPERTY_SHAPES } from './property-shapes.generated.js';
import type { Pipelined, StepArguments } from './types.js';

export type StepType =
  | 'Processing'
  | 'Training'
  | 'Tuning'
  | 'Transform'
  | 'Model'
  | 'RegisterModel'
  | 'Condition'
  | 'Fail'
  | 'Lambda'
  | 'Callback'
  | 'EndpointConfig'
  | 'Endpoint';

export const STEP_NAME_PATTERN = /^[A-Za-z0-9\-_]{1,64}$/;

// ---------------------------------------------------------------------------------------------
// Cache and retry configuration

/** `CacheConfig`: reuse a previous successful run of the step with the same arguments. */
export interface CacheConfig {
  enabled: boolean;
  /** ISO-8601 duration, e.g. `PT1H`, `P30D`. */
  expireAfter?: string;
}

export type StepExceptionType = 'Step.SERVICE_FAULT' | 'Step.THROTTLING';
export type SageMakerJobExceptionType =
  | 'SageMaker.JOB_INTERNAL_ERROR'
  | 'SageMaker.CAPACITY_ERROR'
  | 'SageMaker.RESOURCE_LIMIT';

/** A retry policy: exactly one of `maxAttempts` (1..20) or `expireAfterMin` (0..14400). */
export interface RetryPolicy {
  exceptionTypes: readonly (StepExceptionType | SageMakerJobExceptionType)[];
  /** Seconds before the first retry (default 1). */
  intervalSeconds?: number;
  /** Multiplier of the interval per retry (default 2.0). */
  backoffRate?: number;
  maxAttempts?: number;
  expireAfterMin?: number;
}

const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;
const EXCEPTION_TYPES = new Set([
  'Step.SERVICE_FAULT',
  'Step.THROTTLING',
  'SageMaker.JOB_INTERNAL_ERROR',
  'SageMaker.CAPACITY_ERROR',
  'SageMaker.RESOURCE_LIMIT',
]);

function cacheConfigJson(stepName: string, config: CacheConfig): { [key: string]: JsonValue } {
  if (typeof config.enabled !== 'boolean') {
    throw new InvalidArgumentError('CacheConfig.enabled must be true or false', {
      stepName,
      path: 'CacheConfig.Enabled',
    });
  }
  const json: { [key: string]: JsonValue } = { Enabled: config.enabled };
  if (config.expireAfter !== undefined) {
    if (!ISO_DURATION.test(config.expireAfter)) {
      throw new InvalidArgumentError(
        `CacheConfig.expireAfter '${config.expireAfter}' is not an ISO-8601 duration (e.g. 'PT1H', 'P30D')`,
        { stepName, path: 'CacheConfig.ExpireAfter' },
      );
    }
    json.ExpireAfter = config.expireAfter;
  }
  return json;
}

function retryPolicyJson(stepName: string, policy: RetryPolicy, index: number): { [key: string]: JsonValue } {
  const path = `RetryPolicies[${index}]`;
  const fail = (message: string, field: string): never => {
    throw new RetryPolicyError(message, { stepName, path: `${path}.${field}` });
  };
  if (!Array.isArray(policy.exceptionTypes) || policy.exceptionTypes.length === 0) {
    fail('a retry policy needs at least one exception type', 'ExceptionType');
  }
  for (const type of policy.exceptionTypes) {
    if (!EXCEPTION_TYPES.has(type))
      fail(`unknown exception type '${type}' (expected one of ${[...EXCEPTION_TYPES].join(', ')})`, 'ExceptionType');
  }
  const hasMax = policy.maxAttempts !== undefined;
  const hasExpire = policy.expireAfterMin !== undefined;
  if (hasMax === hasExpire) {
    fail(
      'give exactly one of maxAttempts (1..20) or expireAfterMin (0..14400)',
      hasMax ? 'MaxAttempts' : 'ExpireAfterMin',
    );
  }
  if (hasMax && !(Number.isInteger(policy.maxAttempts) && policy.maxAttempts! >= 1 && policy.maxAttempts! <= 20)) {
    fail(`maxAttempts ${policy.maxAttempts} is out of range: use an integer from 1 to 20`, 'MaxAttempts');
  }
  if (
    hasExpire &&
    !(Number.isInteger(policy.expireAfterMin) && policy.expireAfterMin! >= 0 && policy.expireAfterMin! <= 14400)
  ) {
    fail(`expireAfterMin ${policy.expireAfterMin} is out of range: use an integer from 0 to 14400`, 'ExpireAfterMin');
  }
  const backoffRate = policy.backoffRate ?? 2.0;
  const intervalSeconds = policy.intervalSeconds ?? 1;
  if (!(backoffRate >= 0)) fail(`backoffRate ${backoffRate} must be non-negative`, 'BackoffRate');
  if (!(intervalSeconds >= 0)) fail(`intervalSeconds ${intervalSeconds} must be non-negative`, 'IntervalSeconds');
  const json: { [key: string]: JsonValue } = {
    ExceptionType: [...policy.exceptionTypes],
    BackoffRate: backoffRate,
    IntervalSeconds: intervalSeconds,
  };
  if (hasMax) json.MaxAttempts = policy.maxAttempts!;
  if (hasExpire) json.ExpireAfterMin = policy.expireAfterMin!;
  return json;
}

// ---------------------------------------------------------------------------------------------
// Base step

export interface StepOptions {
  /** Unique within the pipeline; `^[A-Za-z0-9\-_]{1,64}$`. */
  name: string;
  displayName?: string;
  description?: string;
  /** Steps (or step names) that must finish first, beyond those implied by property references. */
  dependsOn?: readonly (Step | string)[];
}

export interface RetryOptions {
  retryPolicies?: readonly RetryPolicy[];
}

export interface CacheOptions {
  cacheConfig?: CacheConfig;
}

export abstract class Step {
  readonly name: string;
  abstract readonly stepType: StepType;
  readonly displayName: string | undefined;
  readonly description: string | undefined;
  readonly dependsOn: readonly (Step | string)[];
  /** Step-level fields besides Name/Type/Arguments/DependsOn/DisplayName/Description, already in JSON form. */
  protected readonly extraFields: { [key: string]: JsonValue } = {};

  constructor(options: StepOptions & RetryOptions & CacheOptions) {
    if (typeof options.name !== 'string' || !STEP_NAME_PATTERN.test(options.name)) {
      throw new InvalidStepNameError(
        `invalid step name ${JSON.stringify(options.name)}: use 1-64 letters, digits, '-' or '_'`,
        { stepName: String(options.name), path: 'Name' },
      );
    }
    this.name = options.name;
    this.displayName = options.displayName;
    this.description = options.description;
    this.dependsOn = [...(options.dependsOn ?? [])];
    if (options.cacheConfig !== undefined)
      this.extraFields.CacheConfig = cacheConfigJson(this.name, options.cacheConfig);
    if (options.retryPolicies !== undefined && options.retryPolicies.length > 0) {
      this.extraFields.RetryPolicies = options.retryPolicies.map((p, i) => retryPolicyJson(this.name, p, i));
    }
  }

  /** The step's arguments as given (may contain pipeline expressions). */
  abstract get arguments(): unknown;

  /** Names of the explicit dependencies (`DependsOn`). */
  get dependsOnNames(): string[] {
    return this.dependsOn.map((d) => (typeof d === 'string' ? d : d.name));
  }

  /** Step-level fields beyond the common ones (CacheConfig, RetryPolicies, PropertyFiles, ...). */
  get stepFields(): Readonly<{ [key: string]: JsonValue }> {
    return this.extraFields;
  }
}

function checkOptions<K extends string>(stepName: string, options: object, allowed: readonly K[], kind: string): void {
  for (const key of Object.keys(options)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw new InvalidArgumentError(`${kind} does not take option '${key}' (allowed: ${allowed.join(', ')})`, {
        stepName,
      });
    }
  }
}

const COMMON = ['name', 'displayName', 'description', 'dependsOn'] as const;

function rootShape(step: keyof typeof PROPERTY_ROOTS): string {
  return PROPERTY_ROOTS[step];
}

// ---------------------------------------------------------------------------------------------
// Job steps

type ProcessingOutputArg<Out extends string> = Omit<Pipelined<ProcessingOutput>, 'OutputName'> & { OutputName: Out };
type ProcessingInputArg<In extends string> = Omit<Pipelined<ProcessingInput>, 'InputName'> & { InputName: In };

/** CreateProcessingJob request without ProcessingJobName; input/output names are kept as literal types. */
export type ProcessingStepArguments<Out extends string = string, In extends string = string> = Omit<
  StepArguments<CreateProcessingJobRequest, 'ProcessingJobName'>,
  'ProcessingInputs' | 'ProcessingOutputConfig'
> & {
  ProcessingInputs?: ProcessingInputArg<In>[];
  ProcessingOutputConfig?: Omit<Pipelined<ProcessingOutputConfig>, 'Outputs'> & { Outputs: ProcessingOutputArg<Out>[] };
};

type DescribeProcessing = PropertiesOf<DescribeProcessingJobResponse>;
type ProcessingOutputProps = PropertiesOf<ProcessingOutput>;
type ProcessingInputProps = PropertiesOf<ProcessingInput>;

/** Properties of a Processing step; `Outputs['train']` / `ProcessingInputs['code']` know the declared names. */
export type ProcessingStepProperties<Out extends string, In extends string> = Omit<
  DescribeProcessing,
  'ProcessingOutputConfig' | 'ProcessingInputs'
> & {
  readonly ProcessingOutputConfig: Omit<DescribeProcessing['ProcessingOutputConfig'], 'Outputs'> & {
    readonly Outputs: NamedPropertyList<ProcessingOutputProps, Out>;
  };
  readonly ProcessingInputs: NamedPropertyList<ProcessingInputProps, In>;
};

export interface ProcessingStepOptions<Out extends string, In extends string>
  extends StepOptions,
    RetryOptions,
    CacheOptions {
  arguments: ProcessingStepArguments<Out, In>;
  /** JSON files in the step's outputs that later steps read with JsonGet. */
  propertyFiles?: readonly PropertyFile[];
}

export class ProcessingStep<Out extends string = string, In extends string = string> extends Step {
  readonly stepType = 'Processing' as const;
  readonly properties: ProcessingStepProperties<Out, In>;
  readonly propertyFiles: readonly PropertyFile[];
  readonly #arguments: ProcessingStepArguments<Out, In>;

  constructor(options: ProcessingStepOptions<Out, In>) {
    super(options);
    checkOptions(
      options.name,
      options,
      [...COMMON, 'arguments', 'propertyFiles', 'retryPolicies', 'cacheConfig'],
      'ProcessingStep',
    );
    this.#arguments = options.arguments;
    this.propertyFiles = [...(options.propertyFiles ?? [])];
    const outputNames = (options.arguments.ProcessingOutputConfig?.Outputs ?? []).map((o) => o.OutputName);
    const seen = new Set<string>();
    this.propertyFiles.forEach((file, i) => {
      if (!(file instanceof PropertyFile)) {
        throw new PropertyFileError('propertyFiles entries must be PropertyFile objects', {
          stepName: this.name,
          path: `PropertyFiles[${i}]`,
        });
      }
      if (seen.has(file.name)) {
        throw new PropertyFileError(`property file '${file.name}' is declared twice`, {
          stepName: this.name,
          path: `PropertyFiles[${i}]`,
        });
      }
      seen.add(file.name);
      if (!outputNames.some((name) => typeof name !== 'string' || name === file.outputName)) {
        throw new PropertyFileError(
          `property file '${file.name}' reads output '${file.outputName}', but the step's outputs are ${JSON.stringify(outputNames)}: add a ProcessingOutput with that OutputName or fix outputName`,
          { stepName: this.name, path: `PropertyFiles[${i}].OutputName` },
        );
      }
    });
    if (this.propertyFiles.length > 0)
      this.extraFields.PropertyFiles = this.propertyFiles.map((f) => f.toDeclaration());
    this.properties = createProperties(this.name, rootShape('Processing'));
  }

  get arguments(): ProcessingStepArguments<Out, In> {
    return this.#arguments;
  }
}

export type TrainingStepArguments = StepArguments<CreateTrainingJobRequest, 'TrainingJobName'>;

export interface TrainingStepOptions extends StepOptions, RetryOptions, CacheOptions {
  arguments: TrainingStepArguments;
}

export class TrainingStep extends Step {
  readonly stepType = 'Training' as const;
  readonly properties: PropertiesOf<DescribeTrainingJobResponse>;
  readonly #arguments: TrainingStepArguments;

  constructor(options: TrainingStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'arguments', 'retryPolicies', 'cacheConfig'], 'TrainingStep');
    this.#arguments = options.arguments;
    this.properties = createProperties(this.name, rootShape('Training'));
  }

  get arguments(): TrainingStepArguments {
    return this.#arguments;
  }
}

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
  readonly properties: TuningStepProperties;
  readonly #arguments: TuningStepArguments;

  constructor(options: TuningStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'arguments', 'retryPolicies', 'cacheConfig'], 'TuningStep');
    this.#arguments = options.arguments;
    const merged = {
      ...PROPERTY_SHAPES[rootShape('Tuning')],
      ...PROPERTY_SHAPES[rootShape('TuningJobSummaries')],
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
  topModelS3Uri(topK: number, s3Bucket: string | PipelineExpression<string>, prefix = ''): Join {
    if (!Number.isInteger(topK) || topK < 0 || topK > 49) {
      throw new InvalidArgumentError(`topK ${topK} is out of range 0..49`, { stepName: this.name });
    }
    const values: (string | PipelineExpression<unknown>)[] = ['s3:/', s3Bucket];
    if (prefix !== '') values.push(prefix);
    const summaries = this.properties.TrainingJobSummaries as unknown as Record<
      number,
      { TrainingJobName: Property<string> }
    >;
    values.push(summaries[topK]!.TrainingJobName, 'output/model.tar.gz');
    return new Join({ on: '/', values });
  }
}

export type TransformStepArguments = StepArguments<CreateTransformJobRequest, 'TransformJobName'>;

export interface TransformStepOptions extends StepOptions, RetryOptions, CacheOptions {
  arguments: TransformStepArguments;
}

export class TransformStep extends Step {
  readonly stepType = 'Transform' as const;
  readonly properties: PropertiesOf<DescribeTransformJobResponse>;
  readonly #arguments: TransformStepArguments;

  constructor(options: TransformStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'arguments', 'retryPolicies', 'cacheConfig'], 'TransformStep');
    this.#arguments = options.arguments;
    this.properties = createProperties(this.name, rootShape('Transform'));
  }

  get arguments(): TransformStepArguments {
    return this.#arguments;
  }
}

// ---------------------------------------------------------------------------------------------
// Model steps

export type ModelStepArguments = StepArguments<CreateModelInput, 'ModelName'>;

export interface ModelStepOptions extends StepOptions, RetryOptions {
  arguments: ModelStepArguments;
}

/** Creates a SageMaker model (`Type: Model`); the model name is generated by the pipeline. */
export class ModelStep extends Step {
  readonly stepType = 'Model' as const;
  readonly properties: PropertiesOf<DescribeModelOutput>;
  readonly #arguments: ModelStepArguments;

  constructor(options: ModelStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'arguments', 'retryPolicies'], 'ModelStep');
    this.#arguments = options.arguments;
    this.properties = createProperties(this.name, rootShape('Model'));
  }

  get arguments(): ModelStepArguments {
    return this.#arguments;
  }
}

/** Alias of {@link ModelStep} under the Python SDK's older name. */
export const CreateModelStep = ModelStep;
export type CreateModelStep = ModelStep;

export type RegisterModelStepArguments = Pipelined<CreateModelPackageInput>;

export interface RegisterModelStepOptions extends StepOptions, RetryOptions {
  arguments: RegisterModelStepArguments;
}

/** Registers a model package version in a model package group (`Type: RegisterModel`). */
export class RegisterModelStep extends Step {
  readonly stepType = 'RegisterModel' as const;
  readonly properties: PropertiesOf<DescribeModelPackageOutput>;
  readonly #arguments: RegisterModelStepArguments;

  constructor(options: RegisterModelStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'arguments', 'retryPolicies'], 'RegisterModelStep');
    this.#arguments = options.arguments;
    this.properties = createProperties(this.name, rootShape('RegisterModel'));
  }

  get arguments(): RegisterModelStepArguments {
    return this.#arguments;
  }
}

// ---------------------------------------------------------------------------------------------
// Endpoint steps

export type EndpointConfigStepArguments = Pipelined<
  Omit<CreateEndpointConfigInput, 'EndpointConfigName'> & Partial<Pick<CreateEndpointConfigInput, 'EndpointConfigName'>>
>;

export interface EndpointConfigStepOptions extends StepOptions, RetryOptions, CacheOptions {
  arguments: EndpointConfigStepArguments;
}

export class EndpointConfigStep extends Step {
  readonly stepType = 'EndpointConfig' as const;
  readonly properties: PropertiesOf<DescribeEndpointConfigOutput>;
  readonly #arguments: EndpointConfigStepArguments;

  constructor(options: EndpointConfigStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'arguments', 'retryPolicies', 'cacheConfig'], 'EndpointConfigStep');
    this.#arguments = options.arguments;
    this.properties = createProperties(this.name, rootShape('EndpointConfig'));
  }

  get arguments(): EndpointConfigStepArguments {
    return this.#arguments;
  }
}

export type EndpointStepArguments = Pipelined<CreateEndpointInput>;

export interface EndpointStepOptions extends StepOptions, CacheOptions {
  arguments: EndpointStepArguments;
}

/** Creates (or updates) an endpoint; not retryable at the pipeline level, like the Python SDK's EndpointStep. */
export class EndpointStep extends Step {
  readonly stepType = 'Endpoint' as const;
  readonly properties: PropertiesOf<DescribeEndpointOutput>;
  readonly #arguments: EndpointStepArguments;

  constructor(options: EndpointStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'arguments', 'cacheConfig'], 'EndpointStep');
    this.#arguments = options.arguments;
    this.properties = createProperties(this.name, rootShape('Endpoint'));
  }

  get arguments(): EndpointStepArguments {
    return this.#arguments;
  }
}

// ---------------------------------------------------------------------------------------------
// Control-flow steps

export interface ConditionStepOptions extends StepOptions {
  /** All must hold (implicit AND). */
  conditions: readonly Condition[];
  ifSteps?: readonly Step[];
  elseSteps?: readonly Step[];
}

/** Runs `ifSteps` when all conditions hold, else `elseSteps`. Branch steps must not also be top-level steps. */
export class ConditionStep extends Step {
  readonly stepType = 'Condition' as const;
  readonly properties: { readonly Outcome: Property<boolean> };
  readonly conditions: readonly Condition[];
  readonly ifSteps: readonly Step[];
  readonly elseSteps: readonly Step[];

  constructor(options: ConditionStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'conditions', 'ifSteps', 'elseSteps'], 'ConditionStep');
    if (!Array.isArray(options.conditions) || options.conditions.length === 0) {
      throw new InvalidArgumentError('a ConditionStep needs at least one condition', {
        stepName: this.name,
        path: 'Arguments.Conditions',
      });
    }
    this.conditions = [...options.conditions];
    this.ifSteps = [...(options.ifSteps ?? [])];
    this.elseSteps = [...(options.elseSteps ?? [])];
    this.properties = { Outcome: stepProperty<boolean>(this.name, 'Outcome') };
  }

  get arguments(): { conditions: readonly Condition[]; ifSteps: readonly Step[]; elseSteps: readonly Step[] } {
    return { conditions: this.conditions, ifSteps: this.ifSteps, elseSteps: this.elseSteps };
  }
}

export interface FailStepOptions extends StepOptions {
  errorMessage?: string | PipelineExpression<unknown>;
}

/** Stops the execution with status Failed and the given message. */
export class FailStep extends Step {
  readonly stepType = 'Fail' as const;
  readonly errorMessage: string | PipelineExpression<unknown>;

  constructor(options: FailStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'errorMessage'], 'FailStep');
    this.errorMessage = options.errorMessage ?? '';
  }

  get arguments(): { ErrorMessage: string | PipelineExpression<unknown> } {
    return { ErrorMessage: this.errorMessage };
  }
}

export type OutputType = 'String' | 'Integer' | 'Float' | 'Boolean';
type OutputValue<T extends OutputType> = T extends 'String' ? string : T extends 'Boolean' ? boolean : number;

export interface StepOutputDeclaration<Name extends string = string, T extends OutputType = OutputType> {
  name: Name;
  /** Default 'String'. */
  type?: T;
}

type OutputProperties<O extends StepOutputDeclaration> = {
  readonly [D in O as D['name']]: Property<OutputValue<D['type'] extends OutputType ? D['type'] : 'String'>>;
};

function outputDeclarations(
  stepName: string,
  outputs: readonly StepOutputDeclaration[],
): { [key: string]: JsonValue }[] {
  const seen = new Set<string>();
  return outputs.map((o, i) => {
    if (typeof o.name !== 'string' || o.name.length === 0 || seen.has(o.name)) {
      throw new InvalidArgumentError(`output name ${JSON.stringify(o.name)} is empty or used twice`, {
        stepName,
        path: `OutputParameters[${i}].OutputName`,
      });
    }
    seen.add(o.name);
    const type = o.type ?? 'String';
    if (!['String', 'Integer', 'Float', 'Boolean'].includes(type)) {
      throw new InvalidArgumentError(`output type '${type}' must be String, Integer, Float or Boolean`, {
        stepName,
        path: `OutputParameters[${i}].OutputType`,
      });
    }
    return { OutputName: o.name, OutputType: type };
  });
}

function outputProperties(
  stepName: string,
  outputs: readonly StepOutputDeclaration[],
): Record<string, Property<Primitive>> {
  return Object.fromEntries(
    outputs.map((o) => [o.name, stepProperty<Primitive>(stepName, `OutputParameters['${o.name}']`)]),
  );
}

export interface LambdaStepOptions<O extends StepOutputDeclaration> extends StepOptions, CacheOptions {
  /** ARN of an existing Lambda function. */
  functionArn: string;
  /** The event the function receives; values may be pipeline expressions. */
  inputs?: Record<string, unknown>;
  outputs?: readonly O[];
}

/** Invokes a Lambda function; its outputs are `step.properties.Outputs[name]`. */
export class LambdaStep<const O extends StepOutputDeclaration = never> extends Step {
  readonly stepType = 'Lambda' as const;
  readonly properties: { readonly Outputs: OutputProperties<O> };
  readonly inputs: Record<string, unknown>;

  constructor(options: LambdaStepOptions<O>) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'functionArn', 'inputs', 'outputs', 'cacheConfig'], 'LambdaStep');
    if (typeof options.functionArn !== 'string' || options.functionArn.length === 0) {
      throw new InvalidArgumentError('a LambdaStep needs functionArn', { stepName: this.name, path: 'FunctionArn' });
    }
    this.inputs = { ...(options.inputs ?? {}) };
    const outputs = options.outputs ?? [];
    this.extraFields.FunctionArn = options.functionArn;
    this.extraFields.OutputParameters = outputDeclarations(this.name, outputs);
    this.properties = { Outputs: outputProperties(this.name, outputs) as OutputProperties<O> };
  }

  get arguments(): Record<string, unknown> {
    return this.inputs;
  }
}

export interface CallbackStepOptions<O extends StepOutputDeclaration> extends StepOptions, CacheOptions {
  /** The SQS queue that receives the callback token and inputs. */
  sqsQueueUrl: string;
  inputs?: Record<string, unknown>;
  outputs?: readonly O[];
}

/** Sends a message to SQS and waits for SendPipelineExecutionStepSuccess/Failure. */
export class CallbackStep<const O extends StepOutputDeclaration = never> extends Step {
  readonly stepType = 'Callback' as const;
  readonly properties: { readonly Outputs: OutputProperties<O> };
  readonly inputs: Record<string, unknown>;

  constructor(options: CallbackStepOptions<O>) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'sqsQueueUrl', 'inputs', 'outputs', 'cacheConfig'], 'CallbackStep');
    if (typeof options.sqsQueueUrl !== 'string' || options.sqsQueueUrl.length === 0) {
      throw new InvalidArgumentError('a CallbackStep needs sqsQueueUrl', { stepName: this.name, path: 'SqsQueueUrl' });
    }
    this.inputs = { ...(options.inputs ?? {}) };
    const outputs = options.outputs ?? [];
    this.extraFields.SqsQueueUrl = options.sqsQueueUrl;
    this.extraFields.OutputParameters = outputDeclarations(this.name, outputs);
    this.properties = { Outputs: outputProperties(this.name, outputs) as OutputProperties<O> };
  }

  get arguments(): Record<string, unknown> {
    return this.inputs;
  }
}
