/** Base of the demo's errors: every one names the step it happened in, so a failure says where. */
export class DemoError extends Error {
  constructor(
    message: string,
    readonly step: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A step of `all` (or a single command) failed; `cause` holds the underlying error. */
export class StepFailedError extends DemoError {
  constructor(step: string, reason: string, options?: { cause?: unknown }) {
    super(`Step "${step}" failed: ${reason}`, step, options);
  }
}

/** A step needs what an earlier step makes (e.g. deploy before approve). */
export class MissingPrerequisiteError extends DemoError {
  constructor(step: string, needs: string, howToFix: string) {
    super(`Step "${step}" needs ${needs}. ${howToFix}`, step);
  }
}

/** `label`: no Label Studio to work with (not installed, not reachable, or the token is refused). */
export class LabelStudioUnavailableError extends DemoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'label', options);
  }
}
