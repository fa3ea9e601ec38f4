import { InvalidArgumentError } from '../errors.js';
import type { PipelineExpression } from '../expressions.js';
import { type Property, stepProperty } from '../properties.js';
import { COMMON_OPTIONS, type CacheOptions, checkOptions, Step, type StepOptions } from './base.js';
import type { ProcessingStepArguments } from './jobs.js';

type Str = string | PipelineExpression<string>;
type Bool = boolean | PipelineExpression<boolean>;

/** Baseline-lifecycle options shared by QualityCheck and ClarifyCheck steps (see the SageMaker docs on baselines). */
interface CheckStepOptions extends StepOptions, CacheOptions {
  /** The baselining processing job (monitor analyzer or Clarify image), e.g. from `dataQualityCheckJob()`. */
  arguments: ProcessingStepArguments;
  /** Default false. */
  skipCheck?: Bool;
  /** Default true. */
  failOnViolation?: Bool;
  /** Default false. */
  registerNewBaseline?: Bool;
  /** The group whose latest approved model package gives the baseline. */
  modelPackageGroupName?: Str;
  suppliedBaselineConstraints?: Str;
}

export type QualityCheckType = 'DATA_QUALITY' | 'MODEL_QUALITY';

export interface QualityCheckStepOptions extends CheckStepOptions {
  checkType: QualityCheckType;
  suppliedBaselineStatistics?: Str;
}

/** `CalculatedBaseline*` / `BaselineUsedForDriftCheck*`: S3 URIs for a RegisterModel step's drift-check baselines. */
export interface QualityCheckStepProperties {
  readonly CalculatedBaselineConstraints: Property<string>;
  readonly CalculatedBaselineStatistics: Property<string>;
  readonly BaselineUsedForDriftCheckConstraints: Property<string>;
  readonly BaselineUsedForDriftCheckStatistics: Property<string>;
}

export interface ClarifyCheckStepProperties {
  readonly CalculatedBaselineConstraints: Property<string>;
  readonly BaselineUsedForDriftCheckConstraints: Property<string>;
}

const CHECK_OPTIONS = [
  ...COMMON_OPTIONS,
  'arguments',
  'cacheConfig',
  'skipCheck',
  'failOnViolation',
  'registerNewBaseline',
  'modelPackageGroupName',
  'suppliedBaselineConstraints',
] as const;

function checkFields(options: CheckStepOptions, checkType: string): { [key: string]: unknown } {
  // The Python SDK writes every field, null when not given.
  return {
    CheckType: checkType,
    ModelPackageGroupName: options.modelPackageGroupName ?? null,
    SkipCheck: options.skipCheck ?? false,
    FailOnViolation: options.failOnViolation ?? true,
    RegisterNewBaseline: options.registerNewBaseline ?? false,
    SuppliedBaselineConstraints: options.suppliedBaselineConstraints ?? null,
  };
}

function oneOf(step: Step, value: string, allowed: readonly string[], field: string): void {
  if (!allowed.includes(value)) {
    throw new InvalidArgumentError(`${field} '${value}' must be one of ${allowed.join(', ')}`, {
      stepName: step.name,
      path: field,
    });
  }
}

/** Data or model quality check against a baseline (`Type: QualityCheck`), as the Python SDK's QualityCheckStep. */
export class QualityCheckStep extends Step {
  readonly stepType = 'QualityCheck' as const;
  override readonly jobNameArgument = 'ProcessingJobName';
  readonly properties: QualityCheckStepProperties;
  readonly #arguments: ProcessingStepArguments;

  constructor(options: QualityCheckStepOptions) {
    super(options);
    checkOptions(
      options.name,
      options,
      [...CHECK_OPTIONS, 'checkType', 'suppliedBaselineStatistics'],
      'QualityCheckStep',
    );
    oneOf(this, options.checkType, ['DATA_QUALITY', 'MODEL_QUALITY'], 'CheckType');
    this.#arguments = options.arguments;
    Object.assign(this.extraFields, checkFields(options, options.checkType), {
      SuppliedBaselineStatistics: options.suppliedBaselineStatistics ?? null,
    });
    const p = (path: string) => stepProperty<string>(this.name, path);
    this.properties = {
      CalculatedBaselineConstraints: p('CalculatedBaselineConstraints'),
      CalculatedBaselineStatistics: p('CalculatedBaselineStatistics'),
      BaselineUsedForDriftCheckConstraints: p('BaselineUsedForDriftCheckConstraints'),
      BaselineUsedForDriftCheckStatistics: p('BaselineUsedForDriftCheckStatistics'),
    };
  }

  get arguments(): ProcessingStepArguments {
    return this.#arguments;
  }
}

export type ClarifyCheckType = 'DATA_BIAS' | 'MODEL_BIAS' | 'MODEL_EXPLAINABILITY';

export interface ClarifyCheckStepOptions extends CheckStepOptions {
  checkType: ClarifyCheckType;
  /** The model the check calls (MODEL_BIAS / MODEL_EXPLAINABILITY), e.g. a Model step's `ModelName`. */
  modelName?: Str;
}

/** Bias or explainability check with SageMaker Clarify (`Type: ClarifyCheck`), as the Python SDK's ClarifyCheckStep. */
export class ClarifyCheckStep extends Step {
  readonly stepType = 'ClarifyCheck' as const;
  override readonly jobNameArgument = 'ProcessingJobName';
  readonly properties: ClarifyCheckStepProperties;
  readonly #arguments: ProcessingStepArguments;

  constructor(options: ClarifyCheckStepOptions) {
    super(options);
    checkOptions(options.name, options, [...CHECK_OPTIONS, 'checkType', 'modelName'], 'ClarifyCheckStep');
    oneOf(this, options.checkType, ['DATA_BIAS', 'MODEL_BIAS', 'MODEL_EXPLAINABILITY'], 'CheckType');
    if (options.checkType === 'DATA_BIAS' && options.modelName !== undefined) {
      throw new InvalidArgumentError('a DATA_BIAS check uses no model: leave modelName out', {
        stepName: this.name,
        path: 'ModelName',
      });
    }
    this.#arguments = options.arguments;
    Object.assign(this.extraFields, checkFields(options, options.checkType));
    if (options.modelName !== undefined) this.extraFields.ModelName = options.modelName;
    this.properties = {
      CalculatedBaselineConstraints: stepProperty<string>(this.name, 'CalculatedBaselineConstraints'),
      BaselineUsedForDriftCheckConstraints: stepProperty<string>(this.name, 'BaselineUsedForDriftCheckConstraints'),
    };
  }

  get arguments(): ProcessingStepArguments {
    return this.#arguments;
  }
}
