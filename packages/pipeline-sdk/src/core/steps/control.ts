import type { Condition } from '../conditions.js';
import { InvalidArgumentError } from '../errors.js';
import type { PipelineExpression } from '../expressions.js';
import { type Property, stepProperty } from '../properties.js';
import { COMMON_OPTIONS as COMMON, checkOptions, Step, type StepOptions } from './base.js';

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
