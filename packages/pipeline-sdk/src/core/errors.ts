import { PipelineSdkError, type PipelineSdkErrorCode } from '../errors.js';

/**
 * Typed errors of the pipeline DSL. Every error says which step (if any) and which JSON path
 * is wrong, so a message like `step 'Train' at Arguments.RoleArn: ...` points at the fix.
 */
export class PipelineDefinitionError extends PipelineSdkError {
  override readonly code: PipelineSdkErrorCode = 'PIPELINE_DEFINITION';
  /** The step the problem is in, when it is in one. */
  readonly stepName: string | undefined;
  /** JSON path inside the step (e.g. `Arguments.ProcessingInputs[0].S3Input.S3Uri`), when known. */
  readonly path: string | undefined;

  constructor(message: string, options: { stepName?: string | undefined; path?: string | undefined } = {}) {
    const where = [
      options.stepName !== undefined ? `step '${options.stepName}'` : undefined,
      options.path !== undefined ? `at ${options.path}` : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    super(where ? `${where}: ${message}` : message);
    this.name = new.target.name;
    this.stepName = options.stepName;
    this.path = options.path;
  }
}

/** A step name that does not match `^[A-Za-z0-9\-_]{1,64}$`, or one used twice. */
export class InvalidStepNameError extends PipelineDefinitionError {
  override readonly code: PipelineSdkErrorCode = 'INVALID_STEP_NAME';
}
export class DuplicateStepNameError extends PipelineDefinitionError {
  override readonly code: PipelineSdkErrorCode = 'DUPLICATE_STEP_NAME';
}

/** A property, JsonGet or DependsOn that names a step the pipeline does not contain. */
export class UnknownStepReferenceError extends PipelineDefinitionError {
  override readonly code: PipelineSdkErrorCode = 'UNKNOWN_STEP_REFERENCE';
  constructor(
    message: string,
    readonly referencedStep: string,
    options: { stepName?: string | undefined; path?: string | undefined } = {},
  ) {
    super(message, options);
  }
}

/** Steps that (explicitly or through references) depend on each other in a loop. */
export class DependencyCycleError extends PipelineDefinitionError {
  override readonly code: PipelineSdkErrorCode = 'DEPENDENCY_CYCLE';
  constructor(readonly cycle: readonly string[]) {
    super(`dependency cycle ${cycle.join(' -> ')}: remove one DependsOn entry or property reference to break it`, {
      stepName: cycle[0],
    });
  }
}

/** A step listed at top level and inside a condition branch, or in two branches. */
export class StepPlacementError extends PipelineDefinitionError {
  override readonly code: PipelineSdkErrorCode = 'STEP_PLACEMENT';
}

/** A parameter used in a step but not declared in `Pipeline.parameters` (or declared twice, or invalid). */
export class ParameterError extends PipelineDefinitionError {
  override readonly code: PipelineSdkErrorCode = 'PARAMETER';
}

/** A JsonGet on a property file the step does not declare, or on a step that is not a Processing step. */
export class PropertyFileError extends PipelineDefinitionError {
  override readonly code: PipelineSdkErrorCode = 'PROPERTY_FILE';
}

/** A retry policy outside the bounds SageMaker accepts. */
export class RetryPolicyError extends PipelineDefinitionError {
  override readonly code: PipelineSdkErrorCode = 'RETRY_POLICY';
}

/** A property path that does not exist on the step's Describe* response. */
export class PropertyPathError extends PipelineDefinitionError {
  override readonly code: PipelineSdkErrorCode = 'PROPERTY_PATH';
}

/** Any other argument the service would reject (bad cache duration, empty condition list, ...). */
export class InvalidArgumentError extends PipelineDefinitionError {
  override readonly code: PipelineSdkErrorCode = 'INVALID_ARGUMENT';
}
