/**
 * Typed errors of the labeling bridge. Every error carries the HTTP status it maps to, so the ML backend and the
 * webhook adapters can answer Label Studio with a 4xx for bad input and a 5xx only for failures on our side.
 */
export class LabelingBridgeError extends Error {
  /** HTTP status the adapters answer with. */
  readonly status: number;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status ?? 500;
  }
}

/** A request body that does not match what Label Studio sends; `path` is the JSON path of the first problem. */
export class InvalidPayloadError extends LabelingBridgeError {
  readonly path: string;
  constructor(message: string, path = '$') {
    super(`${message} (at ${path})`, { status: 400 });
    this.path = path;
  }
}

/** The body is larger than the configured limit. */
export class PayloadTooLargeError extends LabelingBridgeError {
  readonly limitBytes: number;
  constructor(limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes; raise maxBodyBytes if such events are expected`, {
      status: 413,
    });
    this.limitBytes = limitBytes;
  }
}

/** Missing or wrong credentials on an incoming request. The message never contains the expected secret. */
export class UnauthorizedError extends LabelingBridgeError {
  constructor(message = 'missing or wrong credentials') {
    super(message, { status: 401 });
  }
}

/** A label config without the Choices/Image pair this package works with, or an unparsable one. */
export class LabelConfigError extends LabelingBridgeError {
  constructor(message: string) {
    super(`label config: ${message}`, { status: 422 });
  }
}

/** A label that is not one of the project's Choice values, or that cannot safely be used as a folder name. */
export class LabelNotAllowedError extends LabelingBridgeError {
  readonly label: string;
  readonly allowed: readonly string[];
  constructor(label: string, allowed: readonly string[], reason = 'is not one of the label config choices') {
    super(`label ${JSON.stringify(label)} ${reason} (allowed: ${allowed.map((l) => JSON.stringify(l)).join(', ')})`, {
      status: 422,
    });
    this.label = label;
    this.allowed = allowed;
  }
}

/** An image URL that policy refuses: a host outside the allow-list, a link-local or metadata address, a bad scheme. */
export class MediaRefusedError extends LabelingBridgeError {
  readonly url: string;
  constructor(url: string, reason: string) {
    super(`image URL ${JSON.stringify(redactUrl(url))} refused: ${reason}`, { status: 422 });
    this.url = redactUrl(url);
  }
}

/** The image could not be read (HTTP error, S3 error, too large). */
export class MediaFetchError extends LabelingBridgeError {
  readonly url: string;
  constructor(url: string, reason: string, options: { status?: number; cause?: unknown } = {}) {
    super(`could not read image ${JSON.stringify(redactUrl(url))}: ${reason}`, {
      status: options.status ?? 502,
      cause: options.cause,
    });
    this.url = redactUrl(url);
  }
}

/** The predictor (SageMaker endpoint) failed. */
export class PredictorError extends LabelingBridgeError {
  constructor(message: string, cause?: unknown) {
    super(`predictor failed: ${message}`, { status: 502, cause });
  }
}

/** A Label Studio API call failed. */
export class LabelStudioApiError extends LabelingBridgeError {
  readonly method: string;
  readonly path: string;
  readonly httpStatus: number;
  constructor(method: string, path: string, httpStatus: number, detail: string) {
    super(`Label Studio ${method} ${path} answered HTTP ${httpStatus}: ${detail.slice(0, 500)}`, { status: 502 });
    this.method = method;
    this.path = path;
    this.httpStatus = httpStatus;
  }
}

/** Options that cannot work together, caught at construction time. */
export class BridgeConfigError extends LabelingBridgeError {
  constructor(message: string) {
    super(message, { status: 500 });
  }
}

/** Drops credentials and query strings that may carry tokens before a URL goes into a message or a log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url, 'http://relative.invalid');
    if (parsed.username || parsed.password) {
      parsed.username = '***';
      parsed.password = '';
    }
    for (const key of [...parsed.searchParams.keys()]) {
      if (/token|signature|credential|secret|key|auth/i.test(key)) parsed.searchParams.set(key, '***');
    }
    const text = parsed.toString();
    return text.startsWith('http://relative.invalid') ? text.slice('http://relative.invalid'.length) : text;
  } catch {
    return url.slice(0, 200);
  }
}
