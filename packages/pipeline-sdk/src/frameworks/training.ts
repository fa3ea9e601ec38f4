import type { CheckpointConfig, MetricDefinition, StoppingCondition } from '@aws-sdk/client-sagemaker';
import { MetricDefinitionError, SpotTrainingConfigError } from './errors.js';

/** SageMaker's ceiling for `StoppingCondition.MaxRuntimeInSeconds` (28 days). */
export const MAX_TRAINING_RUNTIME_SECONDS = 28 * 24 * 60 * 60;
const S3_URI = /^(https|s3):\/\/([^/]+)\/?(.*)$/;

export interface ManagedSpotTrainingOptions {
  /** How long the job may train, spot interruptions excluded. */
  readonly maxRuntimeInSeconds: number;
  /** How long to wait for spot capacity plus train; must be >= maxRuntimeInSeconds. */
  readonly maxWaitTimeInSeconds: number;
  /**
   * Where SageMaker syncs `/opt/ml/checkpoints` so an interrupted job resumes instead of restarting.
   * Strongly advised with spot; left out, an interruption restarts training from scratch.
   */
  readonly checkpointS3Uri?: string;
  /** Container path synced to `checkpointS3Uri` (SageMaker's default: `/opt/ml/checkpoints`). */
  readonly checkpointLocalPath?: string;
}

/** The `CreateTrainingJobRequest` fields of managed spot training. */
export interface ManagedSpotTrainingFragment {
  EnableManagedSpotTraining: true;
  StoppingCondition: StoppingCondition & { MaxRuntimeInSeconds: number; MaxWaitTimeInSeconds: number };
  CheckpointConfig?: CheckpointConfig & { S3Uri: string };
}

function positiveSeconds(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new SpotTrainingConfigError(field, `must be a whole number of seconds >= 1, got ${value}`);
  }
}

/**
 * Managed spot training settings for a training job. SageMaker rejects a spot job whose
 * `MaxWaitTimeInSeconds` is below `MaxRuntimeInSeconds`; this fails earlier, with both numbers.
 */
export function managedSpotTraining(options: ManagedSpotTrainingOptions): ManagedSpotTrainingFragment {
  const { maxRuntimeInSeconds, maxWaitTimeInSeconds, checkpointS3Uri, checkpointLocalPath } = options;
  positiveSeconds('StoppingCondition.MaxRuntimeInSeconds', maxRuntimeInSeconds);
  positiveSeconds('StoppingCondition.MaxWaitTimeInSeconds', maxWaitTimeInSeconds);
  if (maxRuntimeInSeconds > MAX_TRAINING_RUNTIME_SECONDS) {
    throw new SpotTrainingConfigError(
      'StoppingCondition.MaxRuntimeInSeconds',
      `${maxRuntimeInSeconds} exceeds SageMaker's maximum of ${MAX_TRAINING_RUNTIME_SECONDS} (28 days)`,
    );
  }
  if (maxWaitTimeInSeconds < maxRuntimeInSeconds) {
    throw new SpotTrainingConfigError(
      'StoppingCondition.MaxWaitTimeInSeconds',
      `must be >= MaxRuntimeInSeconds (${maxRuntimeInSeconds}), got ${maxWaitTimeInSeconds}: the wait includes the training time`,
    );
  }
  const fragment: ManagedSpotTrainingFragment = {
    EnableManagedSpotTraining: true,
    StoppingCondition: { MaxRuntimeInSeconds: maxRuntimeInSeconds, MaxWaitTimeInSeconds: maxWaitTimeInSeconds },
  };
  if (checkpointS3Uri !== undefined) {
    if (!S3_URI.test(checkpointS3Uri) || checkpointS3Uri.length > 1024) {
      throw new SpotTrainingConfigError(
        'CheckpointConfig.S3Uri',
        `expected an S3 URI like s3://bucket/checkpoints, got '${checkpointS3Uri}'`,
      );
    }
    fragment.CheckpointConfig = { S3Uri: checkpointS3Uri };
    if (checkpointLocalPath !== undefined) {
      if (!checkpointLocalPath.startsWith('/') || checkpointLocalPath.length > 4096) {
        throw new SpotTrainingConfigError(
          'CheckpointConfig.LocalPath',
          `expected an absolute container path, got '${checkpointLocalPath}'`,
        );
      }
      fragment.CheckpointConfig.LocalPath = checkpointLocalPath;
    }
  } else if (checkpointLocalPath !== undefined) {
    throw new SpotTrainingConfigError(
      'CheckpointConfig.LocalPath',
      'needs checkpointS3Uri: SageMaker syncs the local path to that S3 location',
    );
  }
  return fragment;
}

export interface MetricDefinitionInput {
  /** Metric name as it appears in SageMaker (and in tuning objectives), e.g. `validation:accuracy`. */
  readonly name: string;
  /** Regex over the training log; its first capture group is the value, e.g. `val_acc=([0-9.]+)`. */
  readonly regex: string;
}

/** SageMaker's limit on metric definitions per training job. */
export const MAX_METRIC_DEFINITIONS = 40;

/**
 * Validated `AlgorithmSpecification.MetricDefinitions`. Each regex must compile and have a capture
 * group (SageMaker takes the value from the first group; without one no metric is ever recorded).
 */
export function metricDefinitions(definitions: readonly MetricDefinitionInput[]): MetricDefinition[] {
  if (definitions.length > MAX_METRIC_DEFINITIONS) {
    throw new MetricDefinitionError(
      MAX_METRIC_DEFINITIONS,
      definitions[MAX_METRIC_DEFINITIONS]?.name ?? '',
      `at most ${MAX_METRIC_DEFINITIONS} metric definitions per job, got ${definitions.length}`,
    );
  }
  const seen = new Set<string>();
  return definitions.map(({ name, regex }, index) => {
    if (name.length < 1 || name.length > 255)
      throw new MetricDefinitionError(index, name, 'name must be 1 to 255 characters');
    if (seen.has(name)) throw new MetricDefinitionError(index, name, 'duplicate metric name');
    seen.add(name);
    if (regex.length < 1 || regex.length > 500)
      throw new MetricDefinitionError(index, name, 'regex must be 1 to 500 characters');
    let compiled: RegExp;
    try {
      compiled = new RegExp(regex);
    } catch (error) {
      throw new MetricDefinitionError(index, name, `regex /${regex}/ does not compile: ${(error as Error).message}`);
    }
    // A regex with N groups matched against '' via an alternation trick yields N+1 slots.
    const groups = new RegExp(`${compiled.source}|`).exec('')?.length ?? 1;
    if (groups < 2) {
      throw new MetricDefinitionError(
        index,
        name,
        `regex /${regex}/ has no capture group: wrap the number in ( ), e.g. 'loss=([0-9.]+)'`,
      );
    }
    return { Name: name, Regex: regex };
  });
}
