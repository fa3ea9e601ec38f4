import type { CommandClass } from '../dispatch.js';
import type { LocalContext } from '../context.js';
import type { EvaluationScope } from '../expressions.js';
import type { JobRunner } from '../jobs.js';
import type { StepDef } from '../pipeline-graph.js';
import type { TransformRunner } from '../transform.js';
import type { Rec } from '../untyped.js';

/** An execution the executor is running: what a stop has to reach. */
export interface RunningExecution {
  stopRequested: boolean;
  /** Jobs its steps have started, as "training/<name>", "processing/<name>" or "transform/<name>". */
  jobs: Set<string>;
  done: Promise<void>;
}

/** What a step's action gets: the step, its evaluated arguments and where it runs. */
export interface StepInvocation {
  def: StepDef;
  /** The step's Arguments with every expression evaluated (empty for Condition and Fail, which evaluate their own). */
  args: Rec;
  scope: EvaluationScope;
  /** Where the arguments are in the definition, for error messages. */
  where: string;
  /** The job name local mode gives this attempt of the step. */
  name: string;
  executionId: string;
  executionArn: string;
  run: RunningExecution;
  /** The step's record in ListPipelineExecutionSteps; an action may add Metadata before it fails. */
  record: Rec;
}

/** The services a step's action works through (the same command handlers a client calls). */
export interface StepServices {
  ctx: LocalContext;
  jobs: JobRunner;
  transforms: TransformRunner;
  call: (command: CommandClass, input: Rec) => Promise<Rec>;
  /** Stops a job a step started ("training/<name>", "processing/<name>" or "transform/<name>"). */
  stopJob: (job: string) => Promise<void>;
}

export interface StepResult {
  /** What later steps read through Steps.<name>.<property>. */
  properties: Rec;
  /** The step's Metadata in ListPipelineExecutionSteps. */
  metadata: Rec;
  /** A Condition step's outcome. */
  outcome?: boolean;
  /** The step ended because its execution was stopped. */
  stopped?: boolean;
}

export interface StepAction {
  /**
   * Whether the executor evaluates the step's Arguments before the action runs (and may answer from the step
   * cache). Condition and Fail evaluate their own, lazily, and are never cached.
   */
  readonly evaluatedArguments: boolean;
  run(step: StepInvocation, services: StepServices): Promise<StepResult>;
}

/** A resource's Describe* response as step properties: plain JSON, without the response metadata. */
export function asProperties(described: Rec): Rec {
  const { $metadata: _metadata, ...rest } = described;
  return JSON.parse(JSON.stringify(rest)) as Rec;
}
