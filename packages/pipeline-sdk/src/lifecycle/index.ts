// Lifecycle: create/update a pipeline, start executions with checked parameters, wait with progress
// and step failure reasons, stop, list.
export {
  LifecycleError,
  PipelineDefinitionTooLargeError,
  PipelineExecutionFailedError,
  PipelineNotFoundError,
  PipelineParameterError,
  SelectiveExecutionError,
  StepListingUnavailableError,
  WaitAbortedError,
  WaitTimeoutError,
  type FailedStep,
  type ParameterProblem,
} from './errors.js';
export {
  toPipelineParameters,
  type PipelineParameterSpec,
  type PipelineParameterType,
  type PipelineParameterValues,
  type PipelineSource,
} from './parameters.js';
export {
  PipelineExecution,
  isUnknownOperationError,
  type ExecutionResult,
  type StepSummary,
  type WaitOptions,
  type WaitProgress,
} from './execution.js';
export {
  INLINE_DEFINITION_LIMIT_BYTES,
  PipelineRunner,
  type ExecutionSummary,
  type ListExecutionsOptions,
  type PipelineRunnerOptions,
  type StartOptions,
  type UpsertOptions,
  type UpsertResult,
} from './runner.js';
