import { DependencyCycleError, ParameterError, PropertyFileError, UnknownStepReferenceError } from '../errors.js';
import type { ExpressionReference } from '../expressions.js';
import { ProcessingStep } from '../steps.js';
import type { PipelineStructure } from './structure.js';

/** Step name -> names of the steps it waits for. */
export type DependencyGraph = Map<string, Set<string>>;

/** An empty graph: one node per step. */
export function emptyGraph(structure: PipelineStructure): DependencyGraph {
  const graph: DependencyGraph = new Map();
  for (const name of structure.byName.keys()) graph.set(name, new Set());
  return graph;
}

/**
 * Whether a reference made by step `stepName` is valid: the parameter declared (with the same type), the step
 * present and not the referring step itself, the property file declared. The compiler's fast path asks this and
 * leaves saying what is wrong, and where, to {@link checkReference}.
 */
export function isValidReference(ref: ExpressionReference, stepName: string, structure: PipelineStructure): boolean {
  if (ref.kind === 'parameter') {
    const declared = structure.parameters.get(ref.parameter.name);
    return (
      declared !== undefined && (declared === ref.parameter || declared.parameterType === ref.parameter.parameterType)
    );
  }
  if (ref.stepName === stepName) return false;
  const target = structure.byName.get(ref.stepName);
  if (target === undefined) return false;
  if (ref.kind !== 'propertyFile') return true;
  const fileName = ref.propertyFile.name;
  return target instanceof ProcessingStep && target.propertyFiles.some((f) => f.name === fileName);
}

/** Throws what is wrong with a reference made at `path` of step `stepName`; adds the dependency it implies. */
export function checkReference(
  ref: ExpressionReference,
  stepName: string,
  path: string,
  structure: PipelineStructure,
  graph: DependencyGraph,
): void {
  if (ref.kind === 'parameter') {
    const declared = structure.parameters.get(ref.parameter.name);
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
    return;
  }
  const target = structure.byName.get(ref.stepName);
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
  if (ref.stepName === stepName) throw new DependencyCycleError([stepName, stepName]);
  graph.get(stepName)?.add(ref.stepName);
}

/**
 * Adds the dependencies that are not references: `DependsOn` (which must name steps of the pipeline) and the
 * enclosing condition step of each branch step.
 */
export function addDeclaredDependencies(structure: PipelineStructure, graph: DependencyGraph): void {
  for (const step of structure.byName.values()) {
    const edges = graph.get(step.name);
    step.dependsOnNames.forEach((dep, i) => {
      if (!structure.byName.has(dep)) {
        throw new UnknownStepReferenceError(`DependsOn names step '${dep}', which is not in the pipeline`, dep, {
          stepName: step.name,
          path: `DependsOn[${i}]`,
        });
      }
      edges?.add(dep);
    });
  }
  for (const [child, parent] of structure.parentCondition) graph.get(child)?.add(parent);
}

/** Throws a DependencyCycleError naming the first cycle found (iterative DFS: 1,000-step chains are fine). */
export function assertAcyclic(graph: DependencyGraph): void {
  const state = new Map<string, 1 | 2>();
  const none = new Set<string>();
  for (const start of graph.keys()) {
    if (state.has(start)) continue;
    const stack: { name: string; deps: Iterator<string> }[] = [
      { name: start, deps: (graph.get(start) ?? none).values() },
    ];
    state.set(start, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { name: string; deps: Iterator<string> };
      const next = top.deps.next();
      if (next.done) {
        state.set(top.name, 2);
        stack.pop();
        continue;
      }
      const dep = next.value;
      const seen = state.get(dep);
      if (seen === 1) {
        const names = stack.map((f) => f.name);
        const cycle = names.slice(names.indexOf(dep));
        // Edges point from a step to what it waits for; report in execution order.
        throw new DependencyCycleError([...cycle, dep].reverse());
      }
      if (seen === undefined) {
        state.set(dep, 1);
        stack.push({ name: dep, deps: (graph.get(dep) ?? none).values() });
      }
    }
  }
}
