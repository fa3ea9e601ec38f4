/** The base class of every error this package throws; `code` says which one. */
export class MlopsCdkError extends Error {
  readonly code: string = 'MLOPS_CDK_ERROR';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A pipeline step type whose permissions this package does not know; grant them with `addToPipelinePolicy`. */
export class UnsupportedStepTypeError extends MlopsCdkError {
  override readonly code = 'UNSUPPORTED_STEP_TYPE' as const;
  constructor(
    readonly stepName: string,
    readonly stepType: string,
  ) {
    super(
      `step '${stepName}' has type '${stepType}', whose permissions are unknown: pass allowUnknownStepTypes: true and grant them with pipeline.role.addToPrincipalPolicy(...)`,
    );
  }
}

/** The pipeline definition cannot be stored the way asked (too large inline, or deploy-time values in an S3 file). */
export class PipelineDefinitionLocationError extends MlopsCdkError {
  override readonly code = 'PIPELINE_DEFINITION_LOCATION' as const;
}

/** A built Lambda bundle is missing from the package (the package was not built). */
export class LambdaBundleMissingError extends MlopsCdkError {
  override readonly code = 'LAMBDA_BUNDLE_MISSING' as const;
  constructor(readonly path: string) {
    super(`Lambda bundle not found at ${path}: build the package that provides it (npm run build)`);
  }
}

/** Props that do not fit together (e.g. a stage config MlopsLoop needs is missing). */
export class InvalidConstructPropsError extends MlopsCdkError {
  override readonly code = 'INVALID_CONSTRUCT_PROPS' as const;
}
