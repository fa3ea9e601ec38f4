/** The public shapes of deployments: plans, progress events, results, and the Deployer's options. */
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { StageConfig } from '../config/schema.js';
import type { ModelPackageVersion } from '../registry.js';

export type PlannedActionKind = 'create' | 'update' | 'delete' | 'register' | 'deregister' | 'keep';
export type PlannedResource = 'Model' | 'EndpointConfig' | 'Endpoint' | 'ScalableTarget' | 'ScalingPolicy';

/** One step of a deployment, in the order it runs. */
export interface PlannedAction {
  readonly action: PlannedActionKind;
  readonly resource: PlannedResource;
  readonly name: string;
  readonly detail?: string;
}

export interface DeploymentPlan {
  readonly stage: string;
  readonly endpointName: string;
  readonly modelPackage: ModelPackageVersion;
  /** Names the new model and endpoint config get (unused when `upToDate`). */
  readonly modelName: string;
  readonly endpointConfigName: string;
  /** The endpoint already serves this package version with this config: nothing to roll out. */
  readonly upToDate: boolean;
  /** The endpoint config serving now, if the endpoint exists. */
  readonly currentEndpointConfigName: string | undefined;
  readonly actions: readonly PlannedAction[];
}

export interface DeployProgress {
  readonly stage: string;
  readonly endpointName: string;
  readonly phase:
    | 'check'
    | 'create-model'
    | 'create-endpoint-config'
    | 'create-endpoint'
    | 'update-endpoint'
    | 'wait'
    | 'auto-scaling'
    | 'cleanup'
    | 'done';
  readonly message: string;
  /** While waiting: the endpoint's status at the last poll. */
  readonly endpointStatus?: string;
  /** While waiting: time since the wait began. */
  readonly elapsedMs?: number;
}

export interface DeployResult {
  readonly plan: DeploymentPlan;
  /** False for a dry run. */
  readonly executed: boolean;
  readonly endpointArn?: string;
}

export interface DeployerOptions {
  /** Stage name → its config (from `loadStageConfig` / `parseStageConfig`). */
  readonly stages: Readonly<Record<string, StageConfig>>;
  /** Role the models run under (`ExecutionRoleArn` of CreateModel). */
  readonly executionRoleArn: string;
  /** Defaults to a client from the default credential chain. */
  readonly sagemaker?: SageMakerClient;
  /** Used for stages with `AutoScaling`; defaults to a client from the default credential chain. */
  readonly applicationAutoScaling?: ApplicationAutoScalingClient;
  /**
   * Stage → the stage a version must be in service on before it may deploy there.
   * Defaults to `{ prod: 'staging' }` when both stages are configured.
   */
  readonly promotion?: Readonly<Record<string, string>>;
  /** Endpoint configs (and their models) kept per stage, the serving one included. Default 3. */
  readonly keepLast?: number;
  /** Longest wait for InService, milliseconds. Default 1,800,000 (30 minutes). */
  readonly timeoutMs?: number;
  /** Poll delays of the SDK waiter, milliseconds. Default 5,000 and 30,000. */
  readonly minPollDelayMs?: number;
  readonly maxPollDelayMs?: number;
  readonly onProgress?: (event: DeployProgress) => void;
  /** Where a dry run prints its plan. Default `console.log`. */
  readonly log?: (line: string) => void;
  /** Clock for the time stamp in resource names. */
  readonly now?: () => Date;
}

export interface DeployOptions {
  /** The model package version (ARN or a version from `ModelRegistry`). */
  readonly modelPackage: string | ModelPackageVersion;
  /** Skip the promotion check (deploy to prod what staging never served). The approval check always applies. */
  readonly force?: boolean;
  /** Work out and print the plan, change nothing. */
  readonly dryRun?: boolean;
}

/** What a stage's endpoint serves now. */
export interface ServingState {
  readonly endpointName: string;
  readonly endpointStatus: string | undefined;
  readonly endpointConfigName: string | undefined;
  readonly modelName: string | undefined;
  readonly modelPackageArn: string | undefined;
  readonly failureReason: string | undefined;
}
