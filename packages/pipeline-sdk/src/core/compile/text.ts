import { Condition } from '../conditions.js';
import { isExpression, type ExpressionReference } from '../expressions.js';
import { ConditionStep, Step } from '../steps.js';
import {
  type CompilablePipeline,
  PIPELINE_DEFINITION_VERSION,
  analyse,
  compile,
  experimentConfigJson,
  parameterDeclarations,
} from './compile.js';
import { quote, quoteKey } from './json-text.js';
import {
  addDeclaredDependencies,
  assertAcyclic,
  type DependencyGraph,
  emptyGraph,
  isValidReference,
} from './references.js';
import { definitionArguments, type PipelineStructure, pipelineStructure } from './structure.js';

/** Thrown inside the fast path when anything is wrong or unusual; never escapes this module. */
const FALLBACK: unique symbol = Symbol('fallback to the full analysis');

/**
 * The definition JSON text: the same as `JSON.stringify(compile(pipeline))`, written as text while walking the
 * steps. Building the object tree and stringifying it spent most of its time in the GC, and keeping the JSON
 * path of every value (only needed to report an error) made large pipelines allocation-bound. So this fast
 * path keeps no paths: when it meets anything it would have to report (an invalid value, a bad reference),
 * it gives up and lets the full analysis ({@link analyse}) find the problem and throw it with its path.
 */
export function compileText(pipeline: CompilablePipeline): string {
  const structure = pipelineStructure(pipeline);
  let steps: string;
  let graph: DependencyGraph;
  try {
    ({ steps, graph } = new TextCompiler(pipeline, structure).run());
  } catch (error) {
    if (error !== FALLBACK) throw error;
    analyse(pipeline);
    // The full analysis found nothing wrong after all (an unusual but valid value): use its result.
    return JSON.stringify(compile(pipeline));
  }
  addDeclaredDependencies(structure, graph);
  assertAcyclic(graph);
  return `{"Version":${JSON.stringify(PIPELINE_DEFINITION_VERSION)},"Metadata":{},"Parameters":${JSON.stringify(
    parameterDeclarations(pipeline.parameters),
  )},"PipelineExperimentConfig":${JSON.stringify(experimentConfigJson(pipeline))},"Steps":[${steps}]}`;
}

class TextCompiler {
  // Every piece is appended to one accumulator: returning strings up the tree made a concatenation per level.
  private out = '';
  private stepName = '';
  private edges: Set<string> | undefined;
  private readonly graph: DependencyGraph;

  constructor(
    private readonly pipeline: CompilablePipeline,
    private readonly structure: PipelineStructure,
  ) {
    this.graph = emptyGraph(structure);
    // Plain objects are walked with for-in, which would also list enumerable properties added to
    // Object.prototype; the full analysis handles such an environment.
    for (const _ in {}) throw FALLBACK;
  }

  run(): { steps: string; graph: DependencyGraph } {
    let steps = '';
    for (const step of this.pipeline.steps) steps += (steps === '' ? '' : ',') + this.step(step);
    return { steps, graph: this.graph };
  }

  /** One step's JSON text; the fields in the order of the object compiler. */
  private step(step: Step): string {
    let args: string;
    if (step instanceof ConditionStep) {
      this.enter(step);
      this.out = '{"Conditions":[';
      step.conditions.forEach((condition, i) => {
        if (i > 0) this.out += ',';
        this.value(condition);
      });
      args = this.out;
      args += `],"IfSteps":[${step.ifSteps.map((s) => this.step(s)).join(',')}],"ElseSteps":[${step.elseSteps.map((s) => this.step(s)).join(',')}]}`;
    } else {
      this.enter(step);
      this.out = '';
      const value = definitionArguments(step, this.pipeline.useCustomJobPrefix);
      if (value === undefined) this.out = '{}';
      else this.value(value);
      args = this.out;
    }
    this.enter(step);
    let text = `{"Name":${quote(step.name)},"Type":${quote(step.stepType)},"Arguments":${args}`;
    const dependsOn = step.dependsOnNames;
    if (dependsOn.length > 0) text += `,"DependsOn":${JSON.stringify(dependsOn)}`;
    if (step.displayName) text += `,"DisplayName":${JSON.stringify(step.displayName)}`;
    if (step.description) text += `,"Description":${JSON.stringify(step.description)}`;
    const fields = step.stepFields;
    for (const key in fields) {
      const field = fields[key];
      if (field === undefined) continue;
      this.out = '';
      this.value(field);
      text += `,${quoteKey(key)}${this.out}`;
    }
    text += '}';
    this.out = '';
    // Flatten the step's text now: the tree of concatenated pieces would otherwise stay alive until the whole
    // definition is done, and copying it through the young generation was the largest part of the GC time.
    text.charCodeAt(text.length >> 1);
    return text;
  }

  private enter(step: Step): void {
    this.stepName = step.name;
    this.edges = this.graph.get(step.name);
  }

  private references(references: readonly ExpressionReference[]): void {
    for (let i = 0; i < references.length; i++) {
      const ref = references[i] as ExpressionReference;
      if (!isValidReference(ref, this.stepName, this.structure)) throw FALLBACK;
      if (ref.kind !== 'parameter') this.edges?.add(ref.stepName);
    }
  }

  private value(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.out += quote(value);
        return;
      case 'number':
        if (!Number.isFinite(value)) throw FALLBACK;
        this.out += String(value);
        return;
      case 'boolean':
        this.out += value ? 'true' : 'false';
        return;
      case 'object':
        break;
      default:
        throw FALLBACK;
    }
    if (value === null) {
      this.out += 'null';
      return;
    }
    if (Array.isArray(value)) {
      this.out += '[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.out += ',';
        const item: unknown = value[i];
        if (item === undefined) this.out += 'null';
        else this.value(item);
      }
      this.out += ']';
      return;
    }
    // Plain objects are most nodes: test for them first, before the class checks.
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      if (isExpression(value)) {
        this.references(value.references());
        this.out += value.exprText();
        return;
      }
      if (value instanceof Condition) {
        this.references(value.references());
        this.out += JSON.stringify(value.toRequest());
        return;
      }
      if (value instanceof Date) {
        this.out += JSON.stringify(value.toISOString());
        return;
      }
      // Step objects are refused (with a message) by the full analysis.
      if (value instanceof Step) throw FALLBACK;
      // Other class instances are written as their own enumerable properties, as JSON.stringify does.
      this.keys(value as Record<string, unknown>, Object.keys(value));
      return;
    }
    const record = value as Record<string, unknown>;
    let first = true;
    for (const key in record) {
      const item = record[key];
      if (item === undefined) continue;
      this.out += first ? `{${quoteKey(key)}` : `,${quoteKey(key)}`;
      first = false;
      this.value(item);
    }
    this.out += first ? '{}' : '}';
  }

  private keys(record: Record<string, unknown>, keys: readonly string[]): void {
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      this.out += first ? `{${quoteKey(key)}` : `,${quoteKey(key)}`;
      first = false;
      this.value(item);
    }
    this.out += first ? '{}' : '}';
  }
}
