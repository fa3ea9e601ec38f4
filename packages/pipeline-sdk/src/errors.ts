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
  readonly code: string = 'PIPELINE_SDK';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
