import { InvalidArgumentError, InvalidStepNameError } from '../errors.js';
import { type CacheConfig, type RetryPolicy, cacheConfigJson, retryPolicyJson } from './retry.js';

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
  | 'Endpoint'
  | 'QualityCheck'
  | 'ClarifyCheck'
  | 'EMR'
  | 'AutoML'
  | 'NotebookJob';

export const STEP_NAME_PATTERN = /^[A-Za-z0-9\-_]{1,64}$/;

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
  /**
   * The argument that names the job (`ProcessingJobName`, ...): dropped from the definition unless the
   * pipeline sets `useCustomJobPrefix`, as the Python SDK's `trim_request_dict` does.
   */
  readonly jobNameArgument: string | undefined = undefined;
  /**
   * Step-level fields besides Name/Type/Arguments/DependsOn/DisplayName/Description. Values may hold
   * pipeline expressions: the compiler serialises and validates them like arguments.
   */
  protected readonly extraFields: { [key: string]: unknown } = {};

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
      const rules = { allowSageMakerJobTypes: this.allowsSageMakerJobRetries() };
      this.extraFields.RetryPolicies = options.retryPolicies.map((p, i) => retryPolicyJson(this.name, p, i, rules));
    }
  }

  /** Whether retry policies may name `SageMaker.*` exception types (not on create/register model steps). */
  protected allowsSageMakerJobRetries(): boolean {
    return true;
  }

  /** The step's arguments as given (may contain pipeline expressions). */
  abstract get arguments(): unknown;

  /** Names of the explicit dependencies (`DependsOn`). */
  get dependsOnNames(): string[] {
    return this.dependsOn.map((d) => (typeof d === 'string' ? d : d.name));
  }

  /** Step-level fields beyond the common ones (CacheConfig, RetryPolicies, PropertyFiles, CheckType, ...). */
  get stepFields(): Readonly<{ [key: string]: unknown }> {
    return this.extraFields;
  }
}

export function checkOptions<K extends string>(
  stepName: string,
  options: object,
  allowed: readonly K[],
  kind: string,
): void {
  for (const key of Object.keys(options)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw new InvalidArgumentError(`${kind} does not take option '${key}' (allowed: ${allowed.join(', ')})`, {
        stepName,
      });
    }
  }
}

export const COMMON_OPTIONS = ['name', 'displayName', 'description', 'dependsOn'] as const;
