import { Condition } from './conditions.js';
import {
  DependencyCycleError,
  DuplicateStepNameError,
  InvalidArgumentError,
  ParameterError,
  PropertyFileError,
  StepPlacementError,
  UnknownStepReferenceError,
} from './errors.js';
import {
  ExecutionVariables,
  Parameter,
  type PipelineExpression,
  isExpression,
  type ExpressionReference,
  type JsonValue,
  type Primitive,
} from './expressions.js';
import { ConditionStep, ProcessingStep, Step } from './steps.js';

export const PIPELINE_DEFINITION_VERSION = '2020-12-01';

/** `PipelineExperimentConfig`: which experiment and trial SageMaker records executions under. */
export interface PipelineExperimentConfig {
  experimentName: string | PipelineExpression<string>;
  trialName: string | PipelineExpression<string>;
}

export interface PipelineOptions {
  name: string;
  parameters?: readonly Parameter<Primitive>[];
  steps: readonly Step[];
  /**
   * Defaults to the Python SDK's: experiment = pipeline name, trial = execution id.
   * `null` disables it (emitted as `null`, as the Python SDK does).
   */
  experimentConfig?: PipelineExperimentConfig | null;
  /**
   * Keep the job names given in step arguments (`ProcessingJobName`, `TrainingJobName`, ...) as prefixes of the
   * jobs' names, as the Python SDK's `PipelineDefinitionConfig(use_custom_job_prefix=True)`. Default false:
   * the names are dropped from the definition, because SageMaker generates them per execution.
   */
  useCustomJobPrefix?: boolean;
}

/** The definition JSON as an object. */
export interface PipelineDefinition {
  Version: string;
  Metadata: { [key: string]: JsonValue };
  Parameters: { [key: string]: JsonValue }[];
  PipelineExperimentConfig: { [key: string]: JsonValue } | null;
  Steps: { [key: string]: JsonValue }[];
}

const JOB_TIMESTAMP = /^(.+)-(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}|\d{10}-\d{4})/;
const PIPELINE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;

interface Reference {
  ref: ExpressionReference;
  stepName: string;
  path: string;
}

/**
 * A SageMaker pipeline: parameters and steps. `definition()` compiles and validates it into the
 * JSON SageMaker (and the Python SDK v2) use.
 */
export class Pipeline {
  readonly name: string;
  readonly parameters: readonly Parameter<Primitive>[];
  readonly steps: readonly Step[];
  readonly experimentConfig: PipelineExperimentConfig | null;
  readonly useCustomJobPrefix: boolean;

  constructor(options: PipelineOptions) {
    if (typeof options.name !== 'string' || !PIPELINE_NAME.test(options.name)) {
      throw new InvalidArgumentError(
        `invalid pipeline name ${JSON.stringify(options.name)}: use 1-256 letters, digits and hyphens, starting with a letter or digit`,
        { path: 'PipelineName' },
      );
    }
    this.name = options.name;
    this.parameters = [...(options.parameters ?? [])];
    this.steps = [...options.steps];
    this.experimentConfig =
      options.experimentConfig === undefined
        ? { experimentName: ExecutionVariables.PIPELINE_NAME, trialName: ExecutionVariables.PIPELINE_EXECUTION_ID }
        : options.experimentConfig;
    this.useCustomJobPrefix = options.useCustomJobPrefix ?? false;
  }

  /** The definition as an object (validated). */
  definitionObject(): PipelineDefinition {
    return compile(this);
  }

  /** The definition JSON string (validated), as `CreatePipeline.PipelineDefinition` takes it. */
  definition(): string {
    return compileText(this);
  }

  /** All steps, including those nested in condition branches, in definition order. */
  allSteps(): Step[] {
    const out: Step[] = [];
    const visit = (steps: readonly Step[]): void => {
      for (const step of steps) {
        out.push(step);
        if (step instanceof ConditionStep) {
          visit(step.ifSteps);
          visit(step.elseSteps);
        }
      }
    };
    visit(this.steps);
    return out;
  }

  /** Step name -> names of the steps it waits for (DependsOn, property references, enclosing condition). */
  dependencyGraph(): Map<string, Set<string>> {
    return analyse(this, false).graph;
  }
}

function experimentJson(value: string | PipelineExpression<string>): JsonValue {
  return typeof value === 'string' ? value : value.expr;
}

function compile(pipeline: Pipeline): PipelineDefinition {
  const { compiled } = analyse(pipeline, false);
  return {
    Version: PIPELINE_DEFINITION_VERSION,
    Metadata: {},
    Parameters: pipeline.parameters.map((p) => p.toDeclaration()),
    PipelineExperimentConfig: experimentConfigJson(pipeline),
    Steps: pipeline.steps.map((s) => compiled.get(s) as { [key: string]: JsonValue }),
  };
}

function experimentConfigJson(pipeline: Pipeline): { [key: string]: JsonValue } | null {
  return pipeline.experimentConfig
    ? {
        ExperimentName: experimentJson(pipeline.experimentConfig.experimentName),
        TrialName: experimentJson(pipeline.experimentConfig.trialName),
      }
    : null;
}

/**
 * The same definition as `JSON.stringify(compile(pipeline))`, written as text while walking the steps: for
 * large pipelines, building the object tree first and stringifying it spent most of its time in the GC.
 */
function compileText(pipeline: Pipeline): string {
  const { compiled } = analyse(pipeline, true);
  let steps = '';
  for (const step of pipeline.steps) steps += (steps === '' ? '' : ',') + (compiled.get(step) as string);
  return `{"Version":${JSON.stringify(PIPELINE_DEFINITION_VERSION)},"Metadata":{},"Parameters":${JSON.stringify(
    pipeline.parameters.map((p) => p.toDeclaration()),
  )},"PipelineExperimentConfig":${JSON.stringify(experimentConfigJson(pipeline))},"Steps":[${steps}]}`;
}

/**
 * Serialises an argument tree, replacing expressions by their JSON and recording what they reference.
 * The JSON path is kept as a stack of segments and only joined into a string when something needs it
 * (a reference or an error): building it per node made large pipelines allocation-bound.
 */
class Serializer {
  readonly refs: Reference[] = [];
  private readonly segments: string[] = [];
  private stepName = '';

  run(value: unknown, stepName: string, root: string): JsonValue | undefined {
    this.stepName = stepName;
    this.segments.length = 0;
    this.segments.push(root);
    return this.value(value);
  }

  path(): string {
    let out = this.segments[0] ?? '';
    for (let i = 1; i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      out += segment.charCodeAt(0) === 91 /* [ */ || out === '' ? segment : `.${segment}`;
    }
    return out;
  }

  private fail(message: string): never {
    throw new InvalidArgumentError(message, { stepName: this.stepName, path: this.path() });
  }

  private record(references: ExpressionReference[]): void {
    if (references.length === 0) return;
    const path = this.path();
    for (const ref of references) this.refs.push({ ref, stepName: this.stepName, path });
  }

  value(value: unknown): JsonValue | undefined {
    switch (typeof value) {
      case 'undefined':
        return undefined;
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        if (!Number.isFinite(value)) this.fail(`${value} is not a valid JSON number`);
        return value;
      case 'object':
        break;
      default:
        this.fail(`a ${typeof value} cannot appear in a pipeline definition`);
    }
    if (value === null) return null;
    if (isExpression(value)) {
      this.record(value.references());
      return value.expr;
    }
    if (Array.isArray(value)) {
      const out: JsonValue[] = new Array<JsonValue>(value.length);
      for (let i = 0; i < value.length; i++) {
        this.segments.push(`[${i}]`);
        out[i] = this.value(value[i]) ?? null;
        this.segments.pop();
      }
      return out;
    }
    if (value instanceof Condition) {
      this.record(value.references());
      return value.toRequest();
    }
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Step) {
      this.fail(
        `a step object cannot be an argument value; use one of its properties (e.g. ${value.name}.properties...)`,
      );
    }
    const out: { [key: string]: JsonValue } = {};
    const record = value as Record<string, unknown>;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      this.segments.push(key);
      const json = this.value(record[key]);
      this.segments.pop();
      if (json !== undefined) out[key] = json;
    }
    return out;
  }

  /** `value()` as JSON text (undefined where `value()` gives undefined). */
  runText(value: unknown, stepName: string, root: string): string | undefined {
    if (value === undefined) return undefined;
    this.stepName = stepName;
    this.segments.length = 0;
    this.segments.push(root);
    this.out = '';
    this.emit(value);
    return this.out;
  }

  // Text mode appends every piece to one accumulator: returning strings up the tree made a concatenation per
  // level, and that garbage was most of the compile time of large pipelines.
  private out = '';

  private emit(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.out += quote(value);
        return;
      case 'boolean':
        this.out += value ? 'true' : 'false';
        return;
      case 'number':
        if (!Number.isFinite(value)) this.fail(`${value} is not a valid JSON number`);
        this.out += JSON.stringify(value);
        return;
      case 'object':
        break;
      default:
        this.fail(`a ${typeof value} cannot appear in a pipeline definition`);
    }
    if (value === null) {
      this.out += 'null';
      return;
    }
    if (Array.isArray(value)) {
      this.out += '[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.out += ',';
        const item = value[i];
        if (item === undefined) {
          this.out += 'null';
          continue;
        }
        this.segments.push(INDEX[i] ?? `[${i}]`);
        this.emit(item);
        this.segments.pop();
      }
      this.out += ']';
      return;
    }
    // Plain objects are most nodes: test for them first, before the class checks.
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      if (isExpression(value)) {
        this.record(value.references());
        this.out += value.exprText();
        return;
      }
      if (value instanceof Condition) {
        this.record(value.references());
        this.out += JSON.stringify(value.toRequest());
        return;
      }
      if (value instanceof Date) {
        this.out += JSON.stringify(value.toISOString());
        return;
      }
      if (value instanceof Step) {
        this.fail(
          `a step object cannot be an argument value; use one of its properties (e.g. ${value.name}.properties...)`,
        );
      }
    }
    this.out += '{';
    let first = true;
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = record[key];
      if (item === undefined) continue;
      this.out += first ? quoteKey(key) : `,${quoteKey(key)}`;
      first = false;
      this.segments.push(key);
      this.emit(item);
      this.segments.pop();
    }
    this.out += '}';
  }
}

const INDEX = Array.from({ length: 64 }, (_, i) => `[${i}]`);

// Keys and enum-like values repeat across steps: quoting each once saves most of the small allocations.
const QUOTED = new Map<string, string>();
const QUOTED_KEYS = new Map<string, string>();
function quoteKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (QUOTED_KEYS.size < 10_000) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}
function quote(value: string): string {
  if (value.length > 64) return JSON.stringify(value);
  let quoted = QUOTED.get(value);
  if (quoted === undefined) {
    quoted = JSON.stringify(value);
    if (QUOTED.size < 10_000) QUOTED.set(value, quoted);
  }
  return quoted;
}

interface Analysis {
  /** Each step's JSON: an object, or its text in text mode. */
  compiled: Map<Step, { [key: string]: JsonValue } | string>;
  graph: Map<string, Set<string>>;
}

function analyse(pipeline: Pipeline, asText: boolean): Analysis {
  // 1. Placement and names: every step object appears once, every name once.
  const byName = new Map<string, Step>();
  const placement = new Map<Step, string>();
  const parentCondition = new Map<string, string>();
  const place = (steps: readonly Step[], where: string, parent: string | undefined): void => {
    steps.forEach((step, i) => {
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
    });
  };
  place(pipeline.steps, 'Steps', undefined);

  // 2. Parameters: unique names.
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

  // Python's trim_request_dict: drop the job name unless custom prefixes are on; then it must not be empty.
  const withJobName = (step: Step): unknown => {
    const args = step.arguments as Record<string, unknown> | undefined;
    const key = step.jobNameArgument;
    if (key === undefined || args === undefined || args === null || !(key in args)) return args;
    const { [key]: value, ...rest } = args;
    if (!pipeline.useCustomJobPrefix) return rest;
    if (value === null || value === '' || value === undefined) {
      throw new InvalidArgumentError(
        `${key} is empty: with useCustomJobPrefix, give the job-name prefix or leave the field out`,
        { stepName: step.name, path: `Arguments.${key}` },
      );
    }
    // A name with the SDK's timestamp suffix keeps only its base, as Python's base_from_name.
    return { ...rest, [key]: typeof value === 'string' ? (JOB_TIMESTAMP.exec(value)?.[1] ?? value) : value };
  };

  // 3. Compile each step (branches first, so a condition step can embed them), collecting references.
  const compiled = new Map<Step, { [key: string]: JsonValue } | string>();
  const serializer = new Serializer();
  const refs = serializer.refs;
  const compileStep = (step: Step): { [key: string]: JsonValue } => {
    const done = compiled.get(step);
    if (done) return done as { [key: string]: JsonValue };
    let args: JsonValue;
    if (step instanceof ConditionStep) {
      args = {
        Conditions: step.conditions.map(
          (c, i) => serializer.run(c, step.name, `Arguments.Conditions[${i}]`) as JsonValue,
        ),
        IfSteps: step.ifSteps.map(compileStep),
        ElseSteps: step.elseSteps.map(compileStep),
      };
    } else {
      args = serializer.run(withJobName(step), step.name, 'Arguments') ?? {};
    }
    const json: { [key: string]: JsonValue } = { Name: step.name, Type: step.stepType, Arguments: args };
    const dependsOn = step.dependsOnNames;
    if (dependsOn.length > 0) json.DependsOn = dependsOn;
    if (step.displayName) json.DisplayName = step.displayName;
    if (step.description) json.Description = step.description;
    const fields = step.stepFields;
    for (const key in fields) {
      const value = serializer.run(fields[key], step.name, key);
      if (value !== undefined) json[key] = value;
    }
    compiled.set(step, json);
    return json;
  };
  // Text mode: the same fields in the same order, as JSON text.
  const compileStepText = (step: Step): string => {
    const done = compiled.get(step);
    if (done) return done as string;
    let args: string;
    if (step instanceof ConditionStep) {
      const conditions = step.conditions.map(
        (c, i) => serializer.runText(c, step.name, `Arguments.Conditions[${i}]`) ?? 'null',
      );
      args = `{"Conditions":[${conditions.join(',')}],"IfSteps":[${step.ifSteps.map(compileStepText).join(',')}],"ElseSteps":[${step.elseSteps.map(compileStepText).join(',')}]}`;
    } else {
      args = serializer.runText(withJobName(step), step.name, 'Arguments') ?? '{}';
    }
    let text = `{"Name":${JSON.stringify(step.name)},"Type":${JSON.stringify(step.stepType)},"Arguments":${args}`;
    const dependsOn = step.dependsOnNames;
    if (dependsOn.length > 0) text += `,"DependsOn":${JSON.stringify(dependsOn)}`;
    if (step.displayName) text += `,"DisplayName":${JSON.stringify(step.displayName)}`;
    if (step.description) text += `,"Description":${JSON.stringify(step.description)}`;
    const fields = step.stepFields;
    for (const key in fields) {
      const value = serializer.runText(fields[key], step.name, key);
      if (value !== undefined) text += `,${JSON.stringify(key)}:${value}`;
    }
    text += '}';
    // Flatten the step's text now: the tree of concatenated pieces would otherwise stay alive until the whole
    // definition is done, and copying it through the young generation was the largest part of the GC time.
    text.charCodeAt(text.length >> 1);
    compiled.set(step, text);
    return text;
  };
  for (const step of pipeline.steps) {
    if (asText) compileStepText(step);
    else compileStep(step);
  }

  // 4. References: parameters declared, steps present, property files declared on Processing steps.
  const graph = new Map<string, Set<string>>();
  for (const step of byName.values()) graph.set(step.name, new Set());
  for (const { ref, stepName, path } of refs) {
    if (ref.kind === 'parameter') {
      const declared = parameters.get(ref.parameter.name);
      if (declared === undefined) {
        throw new ParameterError(
          `parameter '${ref.parameter.name}' is used but not declared: add it to the pipeline's parameters`,
          { stepName, path },
        );
      }
      if (declared !== ref.parameter && declared.parameterType !== ref.parameter.parameterType) {
        throw new ParameterError(
          `parameter '${ref.parameter.name}' is used as ${ref.parameter.parameterType} but declared as ${declared.parameterType}`,
          { stepName, path },
        );
      }
      continue;
    }
    const target = byName.get(ref.stepName);
    if (target === undefined) {
      throw new UnknownStepReferenceError(
        `references step '${ref.stepName}', which is not in the pipeline: add that step to the pipeline's steps (or a condition branch)`,
        ref.stepName,
        { stepName, path },
      );
    }
    if (ref.kind === 'propertyFile') {
      if (!(target instanceof ProcessingStep)) {
        throw new PropertyFileError(
          `JsonGet reads property file '${ref.propertyFile.name}' of step '${ref.stepName}', which is a ${target.stepType} step: property files exist only on Processing steps`,
          { stepName, path },
        );
      }
      if (!target.propertyFiles.some((f) => f.name === ref.propertyFile.name)) {
        const declared = target.propertyFiles.map((f) => f.name);
        throw new PropertyFileError(
          `JsonGet reads property file '${ref.propertyFile.name}', which step '${ref.stepName}' does not declare (declared: ${declared.length ? declared.join(', ') : 'none'}): pass it in that step's propertyFiles`,
          { stepName, path },
        );
      }
    }
    if (ref.stepName !== stepName) graph.get(stepName)!.add(ref.stepName);
    else {
      throw new DependencyCycleError([stepName, stepName]);
    }
  }
  for (const step of byName.values()) {
    step.dependsOnNames.forEach((dep, i) => {
      if (!byName.has(dep)) {
        throw new UnknownStepReferenceError(`DependsOn names step '${dep}', which is not in the pipeline`, dep, {
          stepName: step.name,
          path: `DependsOn[${i}]`,
        });
      }
      graph.get(step.name)!.add(dep);
    });
  }
  for (const [child, parent] of parentCondition) graph.get(child)!.add(parent);

  // 5. No cycles (iterative DFS, so 1,000-step chains do not overflow the stack).
  const state = new Map<string, 1 | 2>();
  for (const start of graph.keys()) {
    if (state.has(start)) continue;
    const stack: { name: string; deps: Iterator<string> }[] = [{ name: start, deps: graph.get(start)!.values() }];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = top.deps.next();
      if (next.done) {
        state.set(top.name, 2);
        stack.pop();
        continue;
      }
      const dep = next.value;
      const s = state.get(dep);
      if (s === 1) {
        const names = stack.map((f) => f.name);
        const cycle = names.slice(names.indexOf(dep));
        // Edges point from a step to what it waits for; report in execution order.
        throw new DependencyCycleError([...cycle, dep].reverse());
      }
      if (s === undefined) {
        state.set(dep, 1);
        stack.push({ name: dep, deps: graph.get(dep)!.values() });
      }
    }
  }
  return { compiled, graph };
}
