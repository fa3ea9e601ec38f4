import { analyse, compile, type PipelineDefinition, type PipelineExperimentConfig } from './compile/compile.js';
import { compileText } from './compile/text.js';
import { InvalidArgumentError } from './errors.js';
import { ExecutionVariables, type Parameter, type Primitive } from './expressions.js';
import { ConditionStep, type Step } from './steps.js';

export {
  PIPELINE_DEFINITION_VERSION,
  type PipelineDefinition,
  type PipelineExperimentConfig,
} from './compile/compile.js';

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

const PIPELINE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/;

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
    return analyse(this).graph;
  }
}
