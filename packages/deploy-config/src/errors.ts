/**
 * Every `code` a DeployConfigError can have: the class name in SCREAMING_SNAKE_CASE without "Error". Stable across
 * releases, unlike messages, and it survives minification, unlike `name`.
 */
export const DEPLOY_CONFIG_ERROR_CODES = [
  'DEPLOY_CONFIG',
  'STAGE_CONFIG',
  'MODEL_PACKAGE_NOT_APPROVED',
  'MODEL_PACKAGE_NOT_FOUND',
  'NO_APPROVED_MODEL_PACKAGE',
  'PROMOTION_REQUIRED',
  'DEPLOYMENT_FAILED',
  'STAGE_NOT_CONFIGURED',
  'ENDPOINT_BUSY',
  'MODEL_PACKAGE_NOT_READY',
] as const;

export type DeployConfigErrorCode = (typeof DEPLOY_CONFIG_ERROR_CODES)[number];

/**
 * Base class of every error this package throws on purpose; branch on `code`. AWS SDK exceptions (throttling,
 * access denied...) are not wrapped: they reach the caller unchanged.
 */
export class DeployConfigError extends Error {
  readonly code: DeployConfigErrorCode = 'DEPLOY_CONFIG';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found in a stage config. */
export interface ConfigIssue {
  /** JSON path inside the file, e.g. `Parameters.MemorySizeInMB` or `AutoScaling.MaxCapacity`. */
  readonly path: string;
  readonly message: string;
  /** The values the field accepts, when it accepts a fixed set. */
  readonly allowedValues?: readonly (string | number | boolean)[];
}

/** A stage config file (or object) does not satisfy the schema. */
export class StageConfigError extends DeployConfigError {
  override readonly code: DeployConfigErrorCode = 'STAGE_CONFIG';

  readonly file: string | undefined;
  readonly issues: readonly ConfigIssue[];

  constructor(file: string | undefined, issues: readonly ConfigIssue[]) {
    const where = file ?? '<stage config>';
    const lines = issues.map((issue) => {
      const allowed = issue.allowedValues ? ` (allowed values: ${issue.allowedValues.join(', ')})` : '';
      return `  ${where}: ${issue.path || '(root)'}: ${issue.message}${allowed}`;
    });
    super(`Invalid stage config ${where}:\n${lines.join('\n')}`);
    this.file = file;
    this.issues = issues;
  }
}

/** Only `Approved` model packages may be deployed. */
export class ModelPackageNotApprovedError extends DeployConfigError {
  override readonly code: DeployConfigErrorCode = 'MODEL_PACKAGE_NOT_APPROVED';

  constructor(
    readonly modelPackageArn: string,
    readonly approvalStatus: string | undefined,
  ) {
    super(
      `Model package ${modelPackageArn} has approval status ${approvalStatus ?? '(none)'}; only Approved packages deploy. ` +
        `Approve it first (approveModelPackage) after reviewing its metrics.`,
    );
  }
}

/** A model package or group that was named does not exist. */
export class ModelPackageNotFoundError extends DeployConfigError {
  override readonly code: DeployConfigErrorCode = 'MODEL_PACKAGE_NOT_FOUND';

  constructor(
    readonly identifier: string,
    options?: { cause?: unknown },
  ) {
    super(`Model package ${identifier} was not found in the model registry.`, options);
  }
}

/** A group has no version in the requested state (e.g. no Approved version yet). */
export class NoApprovedModelPackageError extends DeployConfigError {
  override readonly code: DeployConfigErrorCode = 'NO_APPROVED_MODEL_PACKAGE';

  constructor(readonly modelPackageGroupName: string) {
    super(`Model package group ${modelPackageGroupName} has no Approved version.`);
  }
}

/** A stage that requires promotion was asked to deploy a version not in service on its source stage. */
export class PromotionRequiredError extends DeployConfigError {
  override readonly code: DeployConfigErrorCode = 'PROMOTION_REQUIRED';

  constructor(
    readonly stage: string,
    readonly sourceStage: string,
    readonly modelPackageArn: string,
    /** What the source stage serves now (`undefined` when its endpoint does not exist or is not InService). */
    readonly servingOnSource: string | undefined,
  ) {
    super(
      `Stage ${stage} only deploys a model package that is in service on ${sourceStage}; ` +
        `${modelPackageArn} is not (${sourceStage} serves ${servingOnSource ?? 'nothing in service'}). ` +
        `Deploy it to ${sourceStage} and test it first, or pass { force: true } to skip the promotion check.`,
    );
  }
}

/** The endpoint did not reach InService with the new config. */
export class DeploymentFailedError extends DeployConfigError {
  override readonly code: DeployConfigErrorCode = 'DEPLOYMENT_FAILED';

  constructor(
    readonly endpointName: string,
    readonly endpointConfigName: string,
    /** SageMaker's FailureReason, when it gave one. */
    readonly failureReason: string | undefined,
    /** The endpoint config still serving after the failure (the previous one), if any. */
    readonly servingEndpointConfigName: string | undefined,
    options?: { cause?: unknown },
  ) {
    const serving = servingEndpointConfigName ? `; the endpoint keeps serving ${servingEndpointConfigName}` : '';
    super(
      `Deployment of ${endpointConfigName} to endpoint ${endpointName} failed: ${failureReason ?? 'no FailureReason given'}${serving}.`,
      options,
    );
  }
}

/** A stage name that is not in the deployer's stage map. */
export class StageNotConfiguredError extends DeployConfigError {
  override readonly code: DeployConfigErrorCode = 'STAGE_NOT_CONFIGURED';

  constructor(
    readonly stage: string,
    readonly knownStages: readonly string[],
  ) {
    super(`Unknown stage ${stage}; configured stages: ${knownStages.join(', ') || '(none)'}.`);
  }
}

/** The endpoint is in the middle of another change (Creating, Updating, …); SageMaker refuses a second one. */
export class EndpointBusyError extends DeployConfigError {
  override readonly code: DeployConfigErrorCode = 'ENDPOINT_BUSY';

  constructor(
    readonly endpointName: string,
    readonly endpointStatus: string,
  ) {
    super(`Endpoint ${endpointName} is ${endpointStatus}; wait until it is InService (or Failed) and deploy again.`);
  }
}

/** The model package is not usable yet (its ModelPackageStatus is not Completed). */
export class ModelPackageNotReadyError extends DeployConfigError {
  override readonly code: DeployConfigErrorCode = 'MODEL_PACKAGE_NOT_READY';

  constructor(
    readonly modelPackageArn: string,
    readonly packageStatus: string,
  ) {
    super(`Model package ${modelPackageArn} has status ${packageStatus}; only Completed packages deploy.`);
  }
}
