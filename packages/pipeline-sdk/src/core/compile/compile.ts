import type { JsonValue, Parameter, PipelineExpression, Primitive } from '../expressions.js';
import { ConditionStep, type Step } from '../steps.js';
import {
  addDeclaredDependencies,
  assertAcyclic,
  checkReference,
  type DependencyGraph,
  emptyGraph,
} from './references.js';
import { Serializer } from './serializer.js';
import { type CompilableSteps, definitionArguments, pipelineStructure } from './structure.js';

export const PIPELINE_DEFINITION_VERSION = '2020-12-01';

/** The definition JSON as an object. */
export interface PipelineDefinition {
  Version: string;
  Metadata: { [key: string]: JsonValue };
  Parameters: { [key: string]: JsonValue }[];
  PipelineExperimentConfig: { [key: string]: JsonValue } | null;
  Steps: { [key: string]: JsonValue }[];
}

/** `PipelineExperimentConfig`: which experiment and trial SageMaker records executions under. */
export interface PipelineExperimentConfig {
  experimentName: string | PipelineExpression<string>;
  trialName: string | PipelineExpression<string>;
}

/** What the compiler reads of a pipeline (the Pipeline class has it). */
export interface CompilablePipeline extends CompilableSteps {
  readonly experimentConfig: PipelineExperimentConfig | null;
}

type StepJson = { [key: string]: JsonValue };

/** The definition as an object, validated. */
export function compile(pipeline: CompilablePipeline): PipelineDefinition {
  const { compiled } = analyse(pipeline);
  return {
    Version: PIPELINE_DEFINITION_VERSION,
    Metadata: {},
    Parameters: parameterDeclarations(pipeline.parameters),
    PipelineExperimentConfig: experimentConfigJson(pipeline),
    Steps: pipeline.steps.map((s) => compiled.get(s) as StepJson),
  };
}

export function parameterDeclarations(parameters: readonly Parameter<Primitive>[]): StepJson[] {
  return parameters.map((p) => p.toDeclaration());
}

export function experimentConfigJson(pipeline: CompilablePipeline): StepJson | null {
  const config = pipeline.experimentConfig;
  if (!config) return null;
  const json = (value: string | PipelineExpression<string>): JsonValue =>
    typeof value === 'string' ? value : value.expr;
  return { ExperimentName: json(config.experimentName), TrialName: json(config.trialName) };
}

/**
 * Compiles every step into JSON objects and validates the whole pipeline, in this order: placement and names,
 * parameters, argument values, references, DependsOn, cycles. The first problem is thrown with the step and
 * the JSON path where it was found. This is also the reference for the text compiler's fast path: whenever
 * that finds something wrong, this says what.
 */
export function analyse(pipeline: CompilableSteps): {
  compiled: Map<Step, StepJson>;
  graph: DependencyGraph;
} {
  const structure = pipelineStructure(pipeline);
  // Compile each step (branches first, so a condition step can embed them), collecting references.
  const compiled = new Map<Step, StepJson>();
  const serializer = new Serializer();
  const compileStep = (step: Step): StepJson => {
    const done = compiled.get(step);
    if (done) return done;
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
      args = serializer.run(definitionArguments(step, pipeline.useCustomJobPrefix), step.name, 'Arguments') ?? {};
    }
    const json: StepJson = { Name: step.name, Type: step.stepType, Arguments: args };
    const dependsOn = step.dependsOnNames;
    if (dependsOn.length > 0) json.DependsOn = dependsOn;
    if (step.displayName) json.DisplayName = step.displayName;
    if (step.description) json.Description = step.description;
    const fields = step.stepFields;
    for (const key of Object.keys(fields)) {
      const value = serializer.run(fields[key], step.name, key);
      if (value !== undefined) json[key] = value;
    }
    compiled.set(step, json);
    return json;
  };
  for (const step of pipeline.steps) compileStep(step);

  const graph = emptyGraph(structure);
  for (const { ref, stepName, path } of serializer.refs) checkReference(ref, stepName, path, structure, graph);
  addDeclaredDependencies(structure, graph);
  assertAcyclic(graph);
  return { compiled, graph };
}
