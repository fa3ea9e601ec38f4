/**
 * Typed errors of @sagemaker-mlops/endpoint-client. Every error is an `EndpointClientError`; switch on `code`
 * (or use `instanceof`). Errors from the endpoint keep what the endpoint said: its message, the HTTP status,
 * the request id and, for container errors, the container's own status and message.
 *
 * AWS SDK exceptions (ModelError, ValidationError, ThrottlingException, ...) are thrown unchanged, so
 * `instanceof ModelError` and `error.name` work as the SDK documents; `invoke` adds the fields of
 * `EndpointInvocationErrorDetails` to them (attempts, retryable...) and they count as `EndpointInvocationError`
 * (and `EndpointClientError`) for `instanceof`. Failures without an SDK exception (connection reset, DNS) are
 * real `EndpointInvocationError`s.
 */

/** Every `code` an EndpointClientError can have; stable across releases, unlike messages. */
export const ENDPOINT_CLIENT_ERROR_CODES = [
  'INVOCATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'TIMEOUT',
  'ABORTED',
  'RESPONSE_DECODE_FAILED',
  'INVALID_INPUT',
] as const;

export type EndpointClientErrorCode = (typeof ENDPOINT_CLIENT_ERROR_CODES)[number];

/** Marks an AWS SDK exception that `invoke` threw unchanged after adding the invocation details. */
const PASSED_THROUGH = Symbol.for('@sagemaker-mlops/endpoint-client:passed-through-sdk-exception');

export class EndpointClientError extends Error {
  readonly code: EndpointClientErrorCode;
  constructor(code: EndpointClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EndpointClientError';
    this.code = code;
  }

  /**
   * Ordinary `instanceof`, plus: an SDK exception passed through by `invoke` is an `EndpointClientError` and an
   * `EndpointInvocationError` (it has their fields), while keeping its own class for `instanceof ModelError`.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: instanceof asks the class it was called on (a subclass too)
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    // biome-ignore lint/complexity/noThisInStatic: only these two classes claim a passed-through SDK exception
    const claims = ([EndpointClientError, EndpointInvocationError] as unknown[]).includes(this);
    return claims && typeof value === 'object' && value !== null && PASSED_THROUGH in value;
  }
}

export interface EndpointInvocationErrorDetails {
  endpointName: string;
  /** The service's error name, e.g. `ModelError`, `ValidationError`, `ThrottlingException`, or a Node code like `ECONNRESET`. */
  errorType: string;
  /** HTTP status of the last attempt's response; undefined when no response arrived (connection reset, DNS...). */
  httpStatus: number | undefined;
  /** `x-amzn-requestid` of the last attempt, the id AWS support asks for. */
  requestId: string | undefined;
  /** The endpoint's (or the container's) message, unchanged. */
  endpointMessage: string;
  /** Whether the error class is worth retrying (it may still have failed because the attempts or the budget ran out). */
  retryable: boolean;
  /** How many attempts were made, the first included. */
  attempts: number;
  /** True when retries stopped because the client's retry budget was empty. */
  retryBudgetExhausted: boolean;
  /** For `ModelError`: the status code and message the container itself returned, and its CloudWatch log stream. */
  originalStatusCode?: number | undefined;
  originalMessage?: string | undefined;
  logStreamArn?: string | undefined;
}

/**
 * The endpoint (or the network on the way to it) refused or failed an invocation. What `invoke` throws for a
 * service error is the SDK's own exception with these fields added (see `passThroughSdkException`).
 */
export class EndpointInvocationError extends EndpointClientError implements EndpointInvocationErrorDetails {
  readonly endpointName: string;
  readonly errorType: string;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;
  readonly endpointMessage: string;
  readonly retryable: boolean;
  readonly attempts: number;
  readonly retryBudgetExhausted: boolean;
  readonly originalStatusCode?: number | undefined;
  readonly originalMessage?: string | undefined;
  readonly logStreamArn?: string | undefined;

  constructor(details: EndpointInvocationErrorDetails, options?: { cause?: unknown }) {
    const where = [
      details.httpStatus !== undefined ? `HTTP ${details.httpStatus}` : undefined,
      details.requestId ? `request id ${details.requestId}` : undefined,
      `${details.attempts} attempt${details.attempts === 1 ? '' : 's'}`,
      details.retryBudgetExhausted ? 'retry budget exhausted' : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    super(
      'INVOCATION_FAILED',
      `Endpoint '${details.endpointName}' failed with ${details.errorType}: ${details.endpointMessage} (${where})`,
      options,
    );
    this.name = 'EndpointInvocationError';
    this.endpointName = details.endpointName;
    this.errorType = details.errorType;
    this.httpStatus = details.httpStatus;
    this.requestId = details.requestId;
    this.endpointMessage = details.endpointMessage;
    this.retryable = details.retryable;
    this.attempts = details.attempts;
    this.retryBudgetExhausted = details.retryBudgetExhausted;
    this.originalStatusCode = details.originalStatusCode;
    this.originalMessage = details.originalMessage;
    this.logStreamArn = details.logStreamArn;
  }
}

/**
 * An AWS SDK service exception (it has `$fault` and `$metadata`), whichever copy of the SDK created it: those
 * pass through unchanged.
 */
export function isSdkServiceException(error: unknown): error is Error & { $fault: string; $metadata: object } {
  return (
    error instanceof Error &&
    typeof (error as { $fault?: unknown }).$fault === 'string' &&
    typeof (error as { $metadata?: unknown }).$metadata === 'object'
  );
}

/**
 * Adds the invocation details and `code: 'INVOCATION_FAILED'` to an SDK exception, without changing its class,
 * name or message, and returns the same object. Existing fields of the exception are never overwritten.
 */
export function passThroughSdkException<E extends Error>(
  error: E,
  details: EndpointInvocationErrorDetails,
): E & EndpointInvocationError {
  const fields: Record<string, unknown> = { code: 'INVOCATION_FAILED', ...details };
  for (const [key, value] of Object.entries(fields)) {
    if (!(key in error)) Object.defineProperty(error, key, { value, enumerable: true, configurable: true });
  }
  Object.defineProperty(error, PASSED_THROUGH, { value: true });
  return error as E & EndpointInvocationError;
}

/** The request body is over the endpoint type's payload limit; it was not sent. */
export class InvocationPayloadTooLargeError extends EndpointClientError {
  readonly endpointName: string;
  readonly sizeBytes: number;
  readonly limitBytes: number;
  readonly endpointKind: EndpointKind;
  constructor(endpointName: string, sizeBytes: number, limitBytes: number, endpointKind: EndpointKind) {
    super(
      'PAYLOAD_TOO_LARGE',
      `Payload for endpoint '${endpointName}' is ${formatBytes(sizeBytes)}, over the ${formatBytes(limitBytes)} limit of ` +
        `${endpointKind === 'Serverless' ? 'serverless' : 'real-time'} endpoints; it was not sent. Resize or compress the input, or use an asynchronous endpoint ` +
        `(InvokeEndpointAsync, up to 1 GB) for large payloads.`,
    );
    this.name = 'InvocationPayloadTooLargeError';
    this.endpointName = endpointName;
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
    this.endpointKind = endpointKind;
  }
}

/** The call's `timeoutMs` passed (retries included). */
export class InvocationTimeoutError extends EndpointClientError {
  readonly endpointName: string;
  readonly timeoutMs: number;
  readonly attempts: number;
  constructor(endpointName: string, timeoutMs: number, attempts: number, options?: { cause?: unknown }) {
    super(
      'TIMEOUT',
      `Invocation of endpoint '${endpointName}' did not complete within ${timeoutMs} ms ` +
        `(${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}); raise timeoutMs if the model is slow or cold-starting`,
      options,
    );
    this.name = 'InvocationTimeoutError';
    this.endpointName = endpointName;
    this.timeoutMs = timeoutMs;
    this.attempts = attempts;
  }
}

/** The caller's AbortSignal fired. */
export class InvocationAbortedError extends EndpointClientError {
  readonly endpointName: string;
  constructor(endpointName: string, options?: { cause?: unknown }) {
    super('ABORTED', `Invocation of endpoint '${endpointName}' was aborted by the caller`, options);
    this.name = 'InvocationAbortedError';
    this.endpointName = endpointName;
  }
}

/** The endpoint answered, but the answer does not fit the expected codec or contract. */
export class ResponseDecodeError extends EndpointClientError {
  readonly endpointName: string;
  readonly contentType: string | undefined;
  /** The first 500 characters of the body, for the error report. */
  readonly bodyPreview: string;
  constructor(
    endpointName: string,
    reason: string,
    contentType: string | undefined,
    body: Uint8Array,
    options?: { cause?: unknown },
  ) {
    const bodyPreview = new TextDecoder().decode(body.subarray(0, 500));
    super(
      'RESPONSE_DECODE_FAILED',
      `Response of endpoint '${endpointName}' (Content-Type ${
        contentType ?? 'unset'
      }) could not be decoded: ${reason}. Body starts: ${JSON.stringify(bodyPreview)}`,
      options,
    );
    this.name = 'ResponseDecodeError';
    this.endpointName = endpointName;
    this.contentType = contentType;
    this.bodyPreview = bodyPreview;
  }
}

/** A caller mistake caught before anything was sent (bad option, unreadable image path...). */
export class InvalidInputError extends EndpointClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_INPUT', message, options);
    this.name = 'InvalidInputError';
  }
}

/** SageMaker's two kinds of synchronous endpoints, in deploy-config's stage `Type` words. */
export type EndpointKind = 'RealTime' | 'Serverless';

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
