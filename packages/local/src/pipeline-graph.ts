import { randomBytes } from 'node:crypto';
import { validationException } from './errors.js';
import { referencedSteps } from './expressions.js';
import type { Rec } from './untyped.js';

/** The step graph of a pipeline definition: steps, their dependencies and the definition's parameters. */
export interface StepDef {
  Name: string;
  Type: string;
  Arguments?: Rec;
  DependsOn?: string[];
  DisplayName?: string;
  Description?: string;
  CacheConfig?: { Enabled?: boolean; ExpireAfter?: string };
  RetryPolicies?: {
    ExceptionType: string[];
    IntervalSeconds?: number;
    BackoffRate?: number;
    MaxAttempts?: number;
    ExpireAfterMin?: number;
  }[];
  PropertyFiles?: { PropertyFileName: string; OutputName: string; FilePath: string }[];
  FunctionArn?: string;
  OutputParameters?: { OutputName: string; OutputType?: string }[];
}

export interface StepNode {
  def: StepDef;
  branchOf?: { condition: string; branch: 'If' | 'Else' };
  deps: Set<string>;
}

export type StepState = 'Pending' | 'Executing' | 'Succeeded' | 'Failed' | 'Stopped' | 'Skipped';

/** A step failure with the exception type RetryPolicies match on. */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly exceptionType: string,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

export const SUPPORTED_STEP_TYPES = [
  'Processing',
  'Training',
  'Tuning',
  'Model',
  'RegisterModel',
  'Condition',
  'Fail',
  'EndpointConfig',
  'Endpoint',
  'Lambda',
  'Transform',
] as const;

/** A step type local mode runs. */
export type StepType = (typeof SUPPORTED_STEP_TYPES)[number];

export function isSupportedStepType(type: string): type is StepType {
  return (SUPPORTED_STEP_TYPES as readonly string[]).includes(type);
}
const STEP_NAME = /^[A-Za-z0-9\-_]{1,64}$/;

export function executionId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(12), (b) => alphabet[b % alphabet.length]).join('');
}

/**
 * With the Python SDK's PipelineDefinitionConfig(use_custom_job_prefix=True) the step arguments keep the job name
 * the user gave (TrainingJobName, ProcessingJobName, ...): it is the prefix of the job's name instead of the step's.
 */
export function customJobName(args: Rec, field: string, name: string, id: string): string {
  const prefix = args[field];
  if (typeof prefix !== 'string' || prefix === '') return name;
  const suffix = name.slice(name.lastIndexOf(id));
  const base = prefix
    .replace(/[^a-zA-Z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 62 - suffix.length);
  return `${base || 'job'}-${suffix}`;
}

export function jobName(step: string, id: string, attempt: number): string {
  const base =
    step
      .replace(/[^a-zA-Z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 44) || 'step';
  return `${base}-${id}${attempt > 1 ? `-r${attempt}` : ''}`;
}

export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value as Rec)
        .sort()
        .map((k) => [k, canonical((value as Rec)[k])]),
    );
  return value;
}

/** Parses a definition and builds the step graph; throws ValidationException naming the problem and where. */
export function buildGraph(definitionText: string): { definition: Rec; nodes: Map<string, StepNode> } {
  let definition: Rec;
  try {
    definition = JSON.parse(definitionText) as Rec;
  } catch (error) {
    throw validationException(`PipelineDefinition is not valid JSON: ${(error as Error).message}`);
  }
  if (!definition || !Array.isArray(definition.Steps))
    throw validationException('PipelineDefinition: "Steps" must be an array of step objects.');
  const nodes = new Map<string, StepNode>();
  const walk = (steps: unknown, path: string, branchOf?: StepNode['branchOf']) => {
    if (!Array.isArray(steps)) throw validationException(`PipelineDefinition ${path}: expected an array of steps.`);
    steps.forEach((raw: Rec, i) => {
      const where = `${path}[${i}]`;
      if (!raw || typeof raw.Name !== 'string' || !STEP_NAME.test(raw.Name))
        throw validationException(`PipelineDefinition ${where}.Name must match ${STEP_NAME.source}.`);
      if (typeof raw.Type !== 'string')
        throw validationException(`PipelineDefinition ${where} (step ${raw.Name}): Type is required.`);
      if (nodes.has(raw.Name))
        throw validationException(
          `PipelineDefinition ${where}: step name "${raw.Name}" is used twice; step names must be unique.`,
        );
      const def = raw as StepDef;
      const argsForRefs =
        def.Type === 'Condition'
          ? { Conditions: def.Arguments?.Conditions }
          : { ...def.Arguments, FunctionArn: def.FunctionArn };
      const deps = new Set<string>([...(def.DependsOn ?? []), ...referencedSteps(argsForRefs)]);
      if (branchOf) deps.add(branchOf.condition);
      nodes.set(def.Name, { def, branchOf, deps });
      if (def.Type === 'Condition') {
        walk(def.Arguments?.IfSteps ?? [], `${where}.Arguments.IfSteps`, { condition: def.Name, branch: 'If' });
        walk(def.Arguments?.ElseSteps ?? [], `${where}.Arguments.ElseSteps`, { condition: def.Name, branch: 'Else' });
      }
    });
  };
  walk(definition.Steps, 'Steps');
  for (const node of nodes.values()) {
    node.deps.delete(node.def.Name);
    for (const dep of node.deps) {
      if (!nodes.has(dep))
        throw validationException(
          `PipelineDefinition: step "${node.def.Name}" depends on "${dep}", which is not a step of this pipeline.`,
        );
    }
  }
  // Cycles would leave steps waiting forever.
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, trail: string[]) => {
    if (done.has(name)) return;
    if (visiting.has(name))
      throw validationException(
        `PipelineDefinition: steps depend on each other in a cycle: ${[...trail, name].join(' -> ')}.`,
      );
    visiting.add(name);
    for (const dep of nodes.get(name)?.deps ?? []) visit(dep, [...trail, name]);
    visiting.delete(name);
    done.add(name);
  };
  for (const name of nodes.keys()) visit(name, []);
  return { definition, nodes };
}

/** Parameter values from StartPipelineExecution, type-checked against the definition's declarations. */
export function resolveParameters(
  definition: Rec,
  provided: { Name?: string; Value?: string }[] | undefined,
): Record<string, unknown> {
  const declared = new Map<string, Rec>(((definition.Parameters ?? []) as Rec[]).map((p) => [p.Name as string, p]));
  const given = new Map<string, string>();
  for (const p of provided ?? []) {
    if (!p.Name || !declared.has(p.Name))
      throw validationException(
        `Unknown parameter '${p.Name}': the pipeline declares ${[...declared.keys()].join(', ') || 'no parameters'}.`,
      );
    given.set(p.Name, p.Value as string);
  }
  const values: Record<string, unknown> = {};
  for (const [name, decl] of declared) {
    const raw: unknown = given.has(name) ? given.get(name) : decl.DefaultValue;
    if (raw === undefined || raw === null)
      throw validationException(
        `Parameter '${name}' is undefined: pass it in PipelineParameters or give it a DefaultValue.`,
      );
    const type = (decl.Type ?? 'String') as string;
    const bad = (expected: string) =>
      validationException(`Parameter '${name}' must be ${expected}; got ${JSON.stringify(raw)}.`);
    let value: unknown;
    if (type === 'Integer') {
      const n = typeof raw === 'number' ? raw : /^[+-]?\d+$/.test(String(raw).trim()) ? Number(raw) : Number.NaN;
      if (!Number.isInteger(n)) throw bad('an Integer');
      value = n;
    } else if (type === 'Float') {
      const n = typeof raw === 'number' ? raw : String(raw).trim() === '' ? Number.NaN : Number(raw);
      if (!Number.isFinite(n)) throw bad('a Float');
      value = n;
    } else if (type === 'Boolean') {
      if (typeof raw === 'boolean') value = raw;
      else if (/^(true|false)$/i.test(String(raw))) value = String(raw).toLowerCase() === 'true';
      else throw bad('a Boolean (true or false)');
    } else if (type === 'String') {
      value = String(raw);
      if (Array.isArray(decl.EnumValues) && !decl.EnumValues.includes(value))
        throw bad(`one of ${decl.EnumValues.join(', ')}`);
    } else {
      throw validationException(
        `Parameter '${name}' has unknown Type "${type}"; expected String, Integer, Float or Boolean.`,
      );
    }
    values[name] = value;
  }
  return values;
}
