import type { Parameter as PipelineParameterValue } from '@aws-sdk/client-sagemaker';
import { PipelineParameterError, type ParameterProblem } from './errors.js';

export type PipelineParameterType = 'String' | 'Integer' | 'Float' | 'Boolean';

/** What the lifecycle needs to know about a declared parameter (a core `Parameter` has these members). */
export interface PipelineParameterSpec {
  readonly name: string;
  readonly parameterType: PipelineParameterType;
  readonly defaultValue?: unknown;
  readonly enumValues?: readonly string[] | undefined;
}

/**
 * The pipeline as the lifecycle sees it. The core `Pipeline` class fits it; so does anything with a name,
 * its definition JSON and its parameters (a definition loaded from a file, for instance).
 */
export interface PipelineSource {
  readonly name: string;
  definition(): string;
  readonly parameters: ReadonlyArray<PipelineParameterSpec>;
}

/** Values for `start`, by parameter name. */
export type PipelineParameterValues = Readonly<Record<string, string | number | boolean>>;

function describe(value: unknown): string {
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `${typeof value} ${String(value)}`;
}

function check(spec: PipelineParameterSpec, value: unknown): string | undefined {
  switch (spec.parameterType) {
    case 'String':
      if (typeof value !== 'string') return `expected a string (ParameterString), got ${describe(value)}`;
      if (spec.enumValues !== undefined && !spec.enumValues.includes(value)) {
        return `${JSON.stringify(value)} is not one of its enum values ${JSON.stringify(spec.enumValues)}`;
      }
      return undefined;
    case 'Integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        return `expected a whole number (ParameterInteger), got ${describe(value)}`;
      return undefined;
    case 'Float':
      if (typeof value !== 'number' || !Number.isFinite(value))
        return `expected a finite number (ParameterFloat), got ${describe(value)}`;
      return undefined;
    case 'Boolean':
      if (typeof value !== 'boolean') return `expected true or false (ParameterBoolean), got ${describe(value)}`;
      return undefined;
    default:
      return `declared with unknown type ${String((spec as { parameterType: unknown }).parameterType)}`;
  }
}

function format(value: string | number | boolean): string {
  // SageMaker takes every value as a string; it parses Boolean parameters from true/false.
  return typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
}

/**
 * Checks `values` against the declared parameters (names, types, enum values; a parameter without a
 * default needs a value) and returns the `PipelineParameters` list of StartPipelineExecution.
 * Throws PipelineParameterError listing every problem.
 */
export function toPipelineParameters(
  pipeline: PipelineSource,
  values: PipelineParameterValues = {},
): PipelineParameterValue[] {
  const declared = new Map(pipeline.parameters.map((p) => [p.name, p]));
  const problems: ParameterProblem[] = [];
  const out: PipelineParameterValue[] = [];
  for (const [name, value] of Object.entries(values)) {
    const spec = declared.get(name);
    if (spec === undefined) {
      const names = [...declared.keys()];
      problems.push({
        name,
        message: `not a parameter of this pipeline; declared: ${names.length > 0 ? names.join(', ') : '(none)'}`,
      });
      continue;
    }
    const problem = check(spec, value);
    if (problem !== undefined) problems.push({ name, message: problem });
    else out.push({ Name: name, Value: format(value) });
  }
  for (const spec of pipeline.parameters) {
    if (spec.defaultValue === undefined && !(spec.name in values)) {
      problems.push({
        name: spec.name,
        message: `has no default value, so start() must give one (${spec.parameterType})`,
      });
    }
  }
  if (problems.length > 0) throw new PipelineParameterError(pipeline.name, problems);
  return out;
}
