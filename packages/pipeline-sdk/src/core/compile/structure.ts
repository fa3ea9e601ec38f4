import { DuplicateStepNameError, InvalidArgumentError, ParameterError, StepPlacementError } from '../errors.js';
import { Parameter, type Primitive } from '../expressions.js';
import { ConditionStep, Step } from '../steps.js';

/** What a pipeline is made of, checked before anything is compiled: every step placed once, names unique. */
export interface PipelineStructure {
  /** Every step by name, condition branches included, in definition order. */
  readonly byName: ReadonlyMap<string, Step>;
  /** Step name -> the condition step whose branch holds it. */
  readonly parentCondition: ReadonlyMap<string, string>;
  /** Declared parameters by name. */
  readonly parameters: ReadonlyMap<string, Parameter<Primitive>>;
}

/** The minimal shape of a pipeline the compiler reads (the Pipeline class has it). */
export interface CompilableSteps {
  readonly parameters: readonly Parameter<Primitive>[];
  readonly steps: readonly Step[];
  readonly useCustomJobPrefix: boolean;
}

export function pipelineStructure(pipeline: CompilableSteps): PipelineStructure {
  // Placement and names: every step object appears once, every name once.
  const byName = new Map<string, Step>();
  const placement = new Map<Step, string>();
  const parentCondition = new Map<string, string>();
  const place = (steps: readonly Step[], where: string, parent: string | undefined): void => {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      if (!(step instanceof Step)) {
        throw new InvalidArgumentError(`${where}[${i}] is not a step object`, { path: `${where}[${i}]` });
      }
      const earlier = placement.get(step);
      if (earlier !== undefined) {
        throw new StepPlacementError(
          `the step is placed twice, at ${earlier} and at ${where}[${i}]: a step inside a condition branch must not also be a top-level step (or in another branch)`,
          { stepName: step.name, path: `${where}[${i}]` },
        );
      }
      const sameName = byName.get(step.name);
      if (sameName !== undefined) {
        throw new DuplicateStepNameError(
          `two steps are named '${step.name}' (at ${placement.get(sameName)} and ${where}[${i}]): step names must be unique in a pipeline`,
          { stepName: step.name, path: `${where}[${i}]` },
        );
      }
      placement.set(step, `${where}[${i}]`);
      byName.set(step.name, step);
      if (parent !== undefined) parentCondition.set(step.name, parent);
      if (step instanceof ConditionStep) {
        place(step.ifSteps, `Steps.${step.name}.IfSteps`, step.name);
        place(step.elseSteps, `Steps.${step.name}.ElseSteps`, step.name);
      }
    }
  };
  place(pipeline.steps, 'Steps', undefined);

  // Parameters: parameter objects with unique names.
  const parameters = new Map<string, Parameter<Primitive>>();
  pipeline.parameters.forEach((p, i) => {
    if (!(p instanceof Parameter)) {
      throw new ParameterError(`Parameters[${i}] is not a parameter object (ParameterString, ParameterInteger, ...)`, {
        path: `Parameters[${i}]`,
      });
    }
    if (parameters.has(p.name)) {
      throw new ParameterError(`parameter '${p.name}' is declared twice`, { path: `Parameters[${i}]` });
    }
    parameters.set(p.name, p);
  });
  return { byName, parentCondition, parameters };
}

const JOB_TIMESTAMP = /^(.+)-(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}|\d{10}-\d{4})/;

/**
 * The step's arguments as the definition holds them. Python's trim_request_dict: the job name is dropped unless
 * custom prefixes are on; then it must not be empty.
 */
export function definitionArguments(step: Step, useCustomJobPrefix: boolean): unknown {
  const args = step.arguments as Record<string, unknown> | undefined;
  const key = step.jobNameArgument;
  if (key === undefined || args === undefined || args === null || !(key in args)) return args;
  const { [key]: value, ...rest } = args;
  if (!useCustomJobPrefix) return rest;
  if (value === null || value === '' || value === undefined) {
    throw new InvalidArgumentError(
      `${key} is empty: with useCustomJobPrefix, give the job-name prefix or leave the field out`,
      { stepName: step.name, path: `Arguments.${key}` },
    );
  }
  // A name with the SDK's timestamp suffix keeps only its base, as Python's base_from_name.
  return { ...rest, [key]: typeof value === 'string' ? (JOB_TIMESTAMP.exec(value)?.[1] ?? value) : value };
}
