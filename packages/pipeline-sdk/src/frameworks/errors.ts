import { PipelineSdkError, type PipelineSdkErrorCode } from '../errors.js';

/**
 * Errors of the framework helpers (image URIs, distribution, spot training, metric definitions).
 * Every message says what is wrong and what would be accepted, so it can be fixed without reading this code.
 */
export class FrameworkConfigError extends PipelineSdkError {
  override readonly code: PipelineSdkErrorCode = 'FRAMEWORK_CONFIG';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FrameworkConfigError';
  }
}

/** A region, framework version, Python version, processor or instance type that has no published image. */
export class UnsupportedFrameworkImageError extends FrameworkConfigError {
  override readonly code: PipelineSdkErrorCode = 'UNSUPPORTED_FRAMEWORK_IMAGE';
  constructor(
    /** Which input did not match: 'region', 'frameworkVersion', 'pythonVersion', 'processor', 'instanceType', 'scope'. */
    readonly field: string,
    readonly value: string,
    /** What would have been accepted (empty when the input was malformed rather than unknown). */
    readonly supported: readonly string[],
    detail: string,
  ) {
    super(
      supported.length > 0
        ? `${detail}: unsupported ${field} '${value}'. Supported: ${supported.join(', ')}`
        : `${detail}: invalid ${field} '${value}'`,
    );
    this.name = 'UnsupportedFrameworkImageError';
  }
}

/** A distribution option the chosen instance type, framework version or Python version cannot run. */
export class DistributionConfigError extends FrameworkConfigError {
  override readonly code: PipelineSdkErrorCode = 'DISTRIBUTION_CONFIG';
  constructor(
    readonly strategy: string,
    readonly problems: readonly string[],
  ) {
    super(`distribution '${strategy}' is not valid here:\n- ${problems.join('\n- ')}`);
    this.name = 'DistributionConfigError';
  }
}

/** Bad managed spot training settings (stopping condition or checkpoint location). */
export class SpotTrainingConfigError extends FrameworkConfigError {
  override readonly code: PipelineSdkErrorCode = 'SPOT_TRAINING_CONFIG';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'SpotTrainingConfigError';
  }
}

/** A metric definition SageMaker would reject or could never match. */
export class MetricDefinitionError extends FrameworkConfigError {
  override readonly code: PipelineSdkErrorCode = 'METRIC_DEFINITION';
  constructor(
    /** Index of the definition in the list given. */
    readonly index: number,
    readonly metricName: string,
    message: string,
  ) {
    super(`metric definition [${index}] '${metricName}': ${message}`);
    this.name = 'MetricDefinitionError';
  }
}
