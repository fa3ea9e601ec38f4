/**
 * Typed errors of the labeling bridge. Every error carries a stable `code` and the HTTP status it maps to
 * (`httpStatus`), so the ML backend and the webhook adapters answer Label Studio with a 4xx for bad input and a 5xx
 * only for failures on our side. AWS SDK exceptions are never wrapped by these classes unless they are turned into
 * an answer for Label Studio (then `cause` holds the original).
 */

/** Every `code` a LabelingBridgeError can carry: the class name in SCREAMING_SNAKE_CASE without "Error". */
export type LabelingBridgeErrorCode =
  | 'LABELING_BRIDGE'
  | 'INVALID_PAYLOAD'
  | 'REQUEST_BODY_TOO_LARGE'
  | 'UNAUTHORIZED'
  | 'LABEL_CONFIG'
  | 'LABEL_NOT_ALLOWED'
  | 'MEDIA_REFUSED'
  | 'MEDIA_FETCH'
  | 'PREDICTOR'
  | 'LABEL_STUDIO_API'
  | 'BRIDGE_CONFIG'
  | 'PIPELINE_START';

export class LabelingBridgeError extends Error {
  /** Stable, machine-readable kind of error; survives minification, unlike `name`. */
  readonly code: LabelingBridgeErrorCode = 'LABELING_BRIDGE';
  /** HTTP status the adapters answer with. */
  readonly httpStatus: number;
  constructor(message: string, options: { httpStatus?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.httpStatus = options.httpStatus ?? 500;
  }
}

/** A request body that does not match what Label Studio sends; `path` is the JSON path of the first problem. */
export class InvalidPayloadError extends LabelingBridgeError {
  override readonly code = 'INVALID_PAYLOAD' as const;
  readonly path: string;
  constructor(message: string, path = '$') {
    super(`${message} (at ${path})`, { httpStatus: 400 });
    this.path = path;
  }
}

/** The body (or a part of it with its own limit, such as a label config) is larger than the configured limit. */
export class RequestBodyTooLargeError extends LabelingBridgeError {
  override readonly code = 'REQUEST_BODY_TOO_LARGE' as const;
  readonly limitBytes: number;
  constructor(limitBytes: number, what = 'request body', hint = 'raise maxBodyBytes if such events are expected') {
    super(`${what} is larger than ${limitBytes} bytes; ${hint}`, { httpStatus: 413 });
    this.limitBytes = limitBytes;
  }
}

/** Missing or wrong credentials on an incoming request. The message never contains the expected secret. */
export class UnauthorizedError extends LabelingBridgeError {
  override readonly code = 'UNAUTHORIZED' as const;
  constructor(message = 'missing or wrong credentials') {
    super(message, { httpStatus: 401 });
  }
}

/** A label config without the Choices/Image pair this package works with, or an unparsable one. */
export class LabelConfigError extends LabelingBridgeError {
  override readonly code = 'LABEL_CONFIG' as const;
  constructor(message: string) {
    super(`label config: ${message}`, { httpStatus: 422 });
  }
}

/** A label that is not one of the project's Choice values, or that cannot safely be used as a folder name. */
export class LabelNotAllowedError extends LabelingBridgeError {
  override readonly code = 'LABEL_NOT_ALLOWED' as const;
  readonly label: string;
  readonly allowed: readonly string[];
  constructor(label: string, allowed: readonly string[], reason = 'is not one of the label config choices') {
    const shown = allowed.slice(0, 20).map((l) => JSON.stringify(l.slice(0, 100)));
    if (allowed.length > 20) shown.push(`… ${allowed.length - 20} more`);
    super(`label ${JSON.stringify(label.slice(0, 200))} ${reason} (allowed: ${shown.join(', ')})`, {
      httpStatus: 422,
    });
    this.label = label;
    this.allowed = allowed;
  }
}

/** An image URL that policy refuses: a host outside the allow-list, a link-local or metadata address, a bad scheme. */
export class MediaRefusedError extends LabelingBridgeError {
  override readonly code = 'MEDIA_REFUSED' as const;
  readonly url: string;
  constructor(url: string, reason: string) {
    super(`image URL ${JSON.stringify(redactUrl(url))} refused: ${reason}`, { httpStatus: 422 });
    this.url = redactUrl(url);
  }
}

/**
 * The image could not be read: 422 when the source says the image is not there or too large, 502 when the source
 * failed, 504 when it did not answer (or stopped sending) in time.
 */
export class MediaFetchError extends LabelingBridgeError {
  override readonly code = 'MEDIA_FETCH' as const;
  readonly url: string;
  constructor(url: string, reason: string, options: { httpStatus?: number; cause?: unknown } = {}) {
    super(`could not read image ${JSON.stringify(redactUrl(url))}: ${reason}`, {
      httpStatus: options.httpStatus ?? 502,
      cause: options.cause,
    });
    this.url = redactUrl(url);
  }
}

/** The predictor (SageMaker endpoint) failed. */
export class PredictorError extends LabelingBridgeError {
  override readonly code = 'PREDICTOR' as const;
  constructor(message: string, cause?: unknown) {
    super(`predictor failed: ${message}`, { httpStatus: 502, cause });
  }
}

/** A Label Studio API call failed; `upstreamStatus` is Label Studio's answer, `httpStatus` ours (502). */
export class LabelStudioApiError extends LabelingBridgeError {
  override readonly code = 'LABEL_STUDIO_API' as const;
  readonly method: string;
  readonly path: string;
  readonly upstreamStatus: number;
  constructor(method: string, path: string, upstreamStatus: number, detail: string) {
    super(`Label Studio ${method} ${path} answered HTTP ${upstreamStatus}: ${detail.slice(0, 500)}`, {
      httpStatus: 502,
    });
    this.method = method;
    this.path = path;
    this.upstreamStatus = upstreamStatus;
  }
}

/** Options that cannot work together, caught at construction time. */
export class BridgeConfigError extends LabelingBridgeError {
  override readonly code = 'BRIDGE_CONFIG' as const;
  constructor(message: string) {
    super(message, { httpStatus: 500 });
  }
}

/**
 * The annotations are stored, but starting the pipeline for a threshold crossing failed; the next event or a sync
 * retries it with the same ClientRequestToken.
 */
export class PipelineStartError extends LabelingBridgeError {
  override readonly code = 'PIPELINE_START' as const;
  readonly batch: number;
  constructor(pipelineName: string, batch: number, cause: unknown) {
    const detail = `${(cause as Error).name}: ${(cause as Error).message}`;
    super(
      `annotations are stored, but starting pipeline ${pipelineName} for batch ${batch} failed (${detail}); the next event or a sync retries it with the same ClientRequestToken`,
      { httpStatus: 502, cause },
    );
    this.batch = batch;
  }
}

/** Drops credentials and query strings that may carry tokens before a URL goes into a message or a log. */
export function redactUrl(url: string): string {
  if (url.startsWith('data:')) return `${url.slice(0, 40)}…`;
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
    return (text.startsWith('http://relative.invalid') ? text.slice('http://relative.invalid'.length) : text).slice(
      0,
      2048,
    );
  } catch {
    return url.slice(0, 200);
  }
}
