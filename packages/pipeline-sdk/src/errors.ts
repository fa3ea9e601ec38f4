/**
 * Every `code` a PipelineSdkError can have, so callers can switch on it exhaustively. The last group is local
 * mode's: it leaves this list when local mode moves to @sagemaker-mlops/local with its own base class.
 */
export const PIPELINE_SDK_ERROR_CODES = [
  'PIPELINE_SDK',
  // core: pipeline definitions
  'PIPELINE_DEFINITION',
  'INVALID_STEP_NAME',
  'DUPLICATE_STEP_NAME',
  'UNKNOWN_STEP_REFERENCE',
  'DEPENDENCY_CYCLE',
  'STEP_PLACEMENT',
  'PARAMETER',
  'PROPERTY_FILE',
  'RETRY_POLICY',
  'PROPERTY_PATH',
  'INVALID_ARGUMENT',
  // lifecycle
  'LIFECYCLE',
  'PIPELINE_PARAMETER',
  'PIPELINE_DEFINITION_TOO_LARGE',
  'PIPELINE_NOT_FOUND',
  'SELECTIVE_EXECUTION',
  'PIPELINE_EXECUTION_FAILED',
  'WAIT_TIMEOUT',
  'WAIT_ABORTED',
  'STEP_LISTING_UNAVAILABLE',
  // assets
  'CODE_ASSET',
  'SOURCE_DIR',
  'CODE_ASSET_UPLOAD',
  // frameworks
  'FRAMEWORK_CONFIG',
  'UNSUPPORTED_FRAMEWORK_IMAGE',
  'DISTRIBUTION_CONFIG',
  'SPOT_TRAINING_CONFIG',
  'METRIC_DEFINITION',
] as const;

export type PipelineSdkErrorCode = (typeof PIPELINE_SDK_ERROR_CODES)[number];

/**
 * Base class of every error this package throws itself (not the AWS SDK's service exceptions), so callers can
 * tell "our input or local-mode problem" from anything else with one `instanceof`, and branch on `code`.
 */
export class PipelineSdkError extends Error {
  /**
   * Stable, machine-readable kind of error: the class name in SCREAMING_SNAKE_CASE without "Error"
   * (e.g. 'DEPENDENCY_CYCLE'). Unlike `message` it does not change between releases, and unlike `name`
   * it survives minification.
   */
  readonly code: PipelineSdkErrorCode = 'PIPELINE_SDK';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
