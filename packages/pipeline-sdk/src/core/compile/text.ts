import { Condition } from '../conditions.js';
import { isExpression, Join, type ExpressionReference, type PipelineExpression } from '../expressions.js';
import { propertyLeaf } from '../properties.js';
import { ConditionStep, Step } from '../steps.js';
import {
  type CompilablePipeline,
  PIPELINE_DEFINITION_VERSION,
  analyse,
  compile,
  experimentConfigJson,
  parameterDeclarations,
} from './compile.js';
import { JsonWriter } from './json-writer.js';
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

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/**
 * The definition JSON text: the same as `JSON.stringify(compile(pipeline))`, written while walking the steps.
 * Building the object tree and stringifying it spent most of its time in the GC, and keeping the JSON path of
 * every value (only needed to report an error) made large pipelines allocation-bound. So this fast path keeps
 * no paths: when it meets anything it would have to report (an invalid value, a bad reference), it gives up
 * and lets the full analysis ({@link analyse}) find the problem and throw it with its path.
 */
export function compileText(pipeline: CompilablePipeline): string {
  const structure = pipelineStructure(pipeline);
  let text: string;
  let graph: DependencyGraph;
  try {
    ({ text, graph } = new TextCompiler(pipeline, structure).run());
  } catch (error) {
    if (error !== FALLBACK) throw error;
    analyse(pipeline);
    // The full analysis found nothing wrong after all (an unusual but valid value): use its result.
    return JSON.stringify(compile(pipeline));
  }
  addDeclaredDependencies(structure, graph);
  assertAcyclic(graph);
  return text;
}

class TextCompiler {
  private readonly out: JsonWriter;
  private stepName = '';
  private edges: Set<string> | undefined;
  private readonly graph: DependencyGraph;

  constructor(
    private readonly pipeline: CompilablePipeline,
    private readonly structure: PipelineStructure,
  ) {
    this.graph = emptyGraph(structure);
    // About 1.5 KB per step is typical: sized so, the buffer rarely grows.
    this.out = new JsonWriter(structure.byName.size * 1536);
    // Plain objects are walked with for-in, which would also list enumerable properties added to
    // Object.prototype; the full analysis handles such an environment.
    for (const _ in {}) throw FALLBACK;
  }

  run(): { text: string; graph: DependencyGraph } {
    const { out, pipeline } = this;
    out.raw(
      `{"Version":${JSON.stringify(PIPELINE_DEFINITION_VERSION)},"Metadata":{},"Parameters":${JSON.stringify(
        parameterDeclarations(pipeline.parameters),
      )},"PipelineExperimentConfig":${JSON.stringify(experimentConfigJson(pipeline))},"Steps":`,
    );
    this.steps(pipeline.steps);
    out.char(CLOSE_BRACE);
    return { text: out.take(), graph: this.graph };
  }

  private steps(steps: readonly Step[]): void {
    this.out.char(OPEN_BRACKET);
    for (let i = 0; i < steps.length; i++) {
      if (i > 0) this.out.char(COMMA);
      this.step(steps[i] as Step);
    }
    this.out.char(CLOSE_BRACKET);
  }

  /** One step; the fields in the order of the object compiler. */
  private step(step: Step): void {
    const { out } = this;
    out.raw('{"Name":');
    out.string(step.name);
    out.raw(',"Type":');
    out.string(step.stepType);
    out.raw(',"Arguments":');
    this.enter(step);
    if (step instanceof ConditionStep) {
      out.raw('{"Conditions":[');
      step.conditions.forEach((condition, i) => {
        if (i > 0) out.char(COMMA);
        this.value(condition);
      });
      out.raw('],"IfSteps":');
      this.steps(step.ifSteps);
      out.raw(',"ElseSteps":');
      this.steps(step.elseSteps);
      out.char(CLOSE_BRACE);
      this.enter(step);
    } else {
      const value = definitionArguments(step, this.pipeline.useCustomJobPrefix);
      if (value === undefined) out.raw('{}');
      else this.value(value);
    }
    const dependsOn = step.dependsOnNames;
    if (dependsOn.length > 0) out.raw(`,"DependsOn":${JSON.stringify(dependsOn)}`);
    if (step.displayName) out.raw(`,"DisplayName":${JSON.stringify(step.displayName)}`);
    if (step.description) out.raw(`,"Description":${JSON.stringify(step.description)}`);
    const fields = step.stepFields;
    for (const key of Object.keys(fields)) {
      const field = fields[key];
      if (field === undefined) continue;
      out.char(COMMA);
      out.key(key);
      this.value(field);
    }
    out.char(CLOSE_BRACE);
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
    const { out } = this;
    switch (typeof value) {
      case 'string':
        out.string(value);
        return;
      case 'number':
        if (!Number.isFinite(value)) throw FALLBACK;
        out.raw(String(value));
        return;
      case 'boolean':
        out.raw(value ? 'true' : 'false');
        return;
      case 'object':
        break;
      default:
        throw FALLBACK;
    }
    if (value === null) {
      out.raw('null');
      return;
    }
    if (Array.isArray(value)) {
      out.char(OPEN_BRACKET);
      for (let i = 0; i < value.length; i++) {
        if (i > 0) out.char(COMMA);
        const item: unknown = value[i];
        if (item === undefined) out.raw('null');
        else this.value(item);
      }
      out.char(CLOSE_BRACKET);
      return;
    }
    // Plain objects are most nodes: test for them first, before the class checks.
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      if (isExpression(value)) {
        this.expression(value, proto);
        return;
      }
      if (value instanceof Condition) {
        this.references(value.references());
        out.raw(JSON.stringify(value.toRequest()));
        return;
      }
      if (value instanceof Date) {
        out.raw(JSON.stringify(value.toISOString()));
        return;
      }
      // Step objects are refused (with a message) by the full analysis.
      if (value instanceof Step) throw FALLBACK;
      // Other class instances are written as their own enumerable properties, as JSON.stringify does.
      this.object(value as Record<string, unknown>, Object.keys(value));
      return;
    }
    const record = value as Record<string, unknown>;
    let first = true;
    out.char(OPEN_BRACE);
    for (const key in record) {
      const item = record[key];
      if (item === undefined) continue;
      if (!first) out.char(COMMA);
      first = false;
      out.key(key);
      this.value(item);
    }
    out.char(CLOSE_BRACE);
  }

  /**
   * Joins and step properties, most of the expressions, are written here from their parts (a Join's values are
   * walked like any values), which makes no intermediate text, reference lists or `expr` trees.
   */
  private expression(value: PipelineExpression<unknown>, proto: unknown): void {
    const { out } = this;
    if (proto === Join.prototype) {
      const join = value as Join;
      out.raw('{"Std:Join":{"On":');
      this.value(join.on);
      out.raw(',"Values":');
      this.value(join.values);
      out.raw('}}');
      return;
    }
    const leaf = propertyLeaf(value);
    if (leaf !== undefined) {
      const target = leaf.stepName;
      if (target === this.stepName || !this.structure.byName.has(target)) throw FALLBACK;
      this.edges?.add(target);
      out.raw('{"Get":');
      out.string(`Steps.${target}.${leaf.path}`);
      out.char(CLOSE_BRACE);
      return;
    }
    this.references(value.references());
    out.raw(value.exprText());
  }

  private object(record: Record<string, unknown>, keys: readonly string[]): void {
    const { out } = this;
    out.char(OPEN_BRACE);
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      if (!first) out.char(COMMA);
      first = false;
      out.key(key);
      this.value(item);
    }
    out.char(CLOSE_BRACE);
  }
}
