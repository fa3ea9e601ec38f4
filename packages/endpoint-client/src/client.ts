import { readFile } from 'node:fs/promises';
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandInput,
  type SageMakerRuntimeClient,
} from '@aws-sdk/client-sagemaker-runtime';
import { imageCodec, type EncodedBody, type RequestCodec, type ResponseCodec } from './codecs.js';
import { runBounded, type ItemResult, type Progress } from './concurrency.js';
import {
  EndpointInvocationError,
  InvalidInputError,
  InvocationAbortedError,
  InvocationTimeoutError,
  InvocationPayloadTooLargeError,
  isSdkServiceException,
  passThroughSdkException,
  ResponseDecodeError,
  type EndpointInvocationErrorDetails,
  type EndpointKind,
} from './errors.js';
import { imagePredictionCodec, type ImagePrediction } from './prediction.js';
import {
  backoffDelay,
  classifyError,
  resolveRetryOptions,
  RetryBudget,
  type ResolvedRetryOptions,
  type RetryEvent,
  type RetryOptions,
} from './retry.js';
import { createRuntimeClient, ensureSockets } from './runtime.js';

/** InvokeEndpoint's payload limits: 6 MB for real-time endpoints, 4 MB for serverless ones. */
export const PAYLOAD_LIMITS: Readonly<Record<EndpointKind, number>> = {
  RealTime: 6 * 1024 * 1024,
  Serverless: 4 * 1024 * 1024,
};

export interface EndpointClientOptions {
  endpointName: string;
  /**
   * The SageMaker Runtime client to call through: AWS, moto, or local mode's `local.runtime`.
   * Default: `createRuntimeClient()` (default credential chain, keep-alive, SDK retries off).
   * A client with the SDK's own retries on still works; its retries then run inside each of ours.
   * A client passed here is never reconfigured (it may be shared): size its sockets to the batch concurrency
   * with `createRuntimeClient({ maxSockets })`. The default client is resized to each batch's concurrency.
   */
  runtime?: SageMakerRuntimeClient;
  /**
   * Picks the payload limit. Default `'RealTime'`. The same words as a deploy-config stage's `Type`, so a stage
   * config's `Type` can be passed as is.
   */
  endpointKind?: EndpointKind;
  /** Overrides the payload limit in bytes. */
  maxPayloadBytes?: number;
  retry?: RetryOptions;
  /** Hears every retry before its backoff delay, e.g. to log or count cold starts. */
  onRetry?: (event: RetryEvent) => void;
  /** Default `timeoutMs` of each call (retries included). Default: no timeout. */
  timeoutMs?: number;
}

export interface InvokeOptions {
  contentType?: string;
  accept?: string;
  customAttributes?: string;
  targetVariant?: string;
  targetModel?: string;
  inferenceId?: string;
  /** Aborts the call, including any backoff wait. */
  signal?: AbortSignal;
  /** Deadline of the whole call, retries and backoff included. */
  timeoutMs?: number;
}

export interface InvokeResult {
  body: Uint8Array;
  contentType: string | undefined;
  invokedProductionVariant: string | undefined;
  customAttributes: string | undefined;
  requestId: string | undefined;
  /** Attempts it took, 1 when no retry was needed. */
  attempts: number;
}

export interface InvokeRequest extends Omit<InvokeOptions, 'signal'> {
  body: Uint8Array | string;
}

export interface ManyOptions {
  /** Requests in flight at once. Default 10. */
  concurrency?: number;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
}

export interface PredictOptions<TIn, TOut> extends Omit<InvokeOptions, 'contentType' | 'accept'> {
  request: RequestCodec<TIn>;
  response: ResponseCodec<TOut>;
}

export interface PredictImageOptions<T> extends Omit<InvokeOptions, 'contentType' | 'accept'> {
  /** How image bytes go on the wire. Default `imageCodec()`: raw bytes, Content-Type sniffed (JPEG/PNG, else application/x-image). */
  request?: RequestCodec<Uint8Array>;
  /** How the answer is read. Default: the demo's JSON contract, validated, as `{ label, probabilities, modelVersion }`. */
  response?: ResponseCodec<T>;
}

const textEncoder = new TextEncoder();

/**
 * Calls one SageMaker endpoint: payload limits checked before sending, retries with full-jitter backoff on what
 * is worth retrying (cold start, throttling, 5xx, connection resets) within a retry budget, typed errors that keep
 * the endpoint's message, status and request id, codecs, and bounded-concurrency batches.
 */
export class EndpointClient {
  readonly endpointName: string;
  readonly runtime: SageMakerRuntimeClient;
  readonly endpointKind: EndpointKind;
  readonly maxPayloadBytes: number;
  private readonly retry: ResolvedRetryOptions;
  private readonly budget: RetryBudget;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;
  private readonly defaultTimeoutMs: number | undefined;
  /** Only a runtime client this EndpointClient created is resized for a batch; a caller's may be shared. */
  private readonly ownsRuntime: boolean;

  constructor(options: EndpointClientOptions) {
    if (typeof options.endpointName !== 'string' || !/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/.test(options.endpointName)) {
      throw new InvalidInputError(
        `endpointName must be a SageMaker endpoint name (letters, digits and hyphens, starting with a letter or digit), got ${JSON.stringify(
          options.endpointName,
        )}`,
      );
    }
    this.endpointName = options.endpointName;
    this.endpointKind = options.endpointKind ?? 'RealTime';
    if (options.endpointKind !== undefined && !(options.endpointKind in PAYLOAD_LIMITS)) {
      throw new InvalidInputError(
        `endpointKind must be 'RealTime' or 'Serverless' (a deploy-config stage's Type), got ${JSON.stringify(options.endpointKind)}`,
      );
    }
    this.maxPayloadBytes = options.maxPayloadBytes ?? PAYLOAD_LIMITS[this.endpointKind];
    this.retry = resolveRetryOptions(options.retry);
    this.budget = new RetryBudget(this.retry.budgetTokens, this.retry.retryCost);
    this.onRetry = options.onRetry;
    this.defaultTimeoutMs = checkTimeout(options.timeoutMs, 'EndpointClient timeoutMs');
    if (!(Number.isInteger(this.maxPayloadBytes) && this.maxPayloadBytes > 0)) {
      throw new InvalidInputError(
        `maxPayloadBytes must be a positive whole number of bytes, got ${String(options.maxPayloadBytes)}`,
      );
    }
    this.runtime = options.runtime ?? createRuntimeClient();
    this.ownsRuntime = options.runtime === undefined;
  }

  /** Tokens left in this client's retry budget. */
  get retryBudgetAvailable(): number {
    return this.budget.available;
  }

  /** Sends `body` as is. Strings are sent as UTF-8. */
  async invoke(body: Uint8Array | string, options: InvokeOptions = {}): Promise<InvokeResult> {
    const bytes = typeof body === 'string' ? textEncoder.encode(body) : body;
    if (!(bytes instanceof Uint8Array)) {
      throw new InvalidInputError(`invoke() body must be a Uint8Array or a string, got ${typeof body}`);
    }
    if (bytes.byteLength > this.maxPayloadBytes) {
      throw new InvocationPayloadTooLargeError(
        this.endpointName,
        bytes.byteLength,
        this.maxPayloadBytes,
        this.endpointKind,
      );
    }
    const input: InvokeEndpointCommandInput = {
      EndpointName: this.endpointName,
      Body: bytes,
      ContentType: options.contentType,
      Accept: options.accept,
      CustomAttributes: options.customAttributes,
      TargetVariant: options.targetVariant,
      TargetModel: options.targetModel,
      InferenceId: options.inferenceId,
    };
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    // The fast path (no signal, no deadline) allocates no controller or timer: invoke stays within a few percent of send.
    if (options.signal === undefined && timeoutMs === undefined) return this.attemptLoop(input, undefined, undefined);

    if (options.signal?.aborted) throw new InvocationAbortedError(this.endpointName, { cause: options.signal.reason });
    checkTimeout(timeoutMs, 'timeoutMs');
    const controller = new AbortController();
    const deadline = timeoutMs !== undefined ? Date.now() + timeoutMs : undefined;
    const timer =
      timeoutMs !== undefined ? setTimeout(() => controller.abort(new TimeoutMarker()), timeoutMs) : undefined;
    const onCallerAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      return await this.attemptLoop(input, controller.signal, deadline);
    } catch (error) {
      if (controller.signal.aborted) {
        if (controller.signal.reason instanceof TimeoutMarker) {
          throw new InvocationTimeoutError(this.endpointName, timeoutMs as number, attemptsOf(error), { cause: error });
        }
        throw new InvocationAbortedError(this.endpointName, { cause: error });
      }
      throw error;
    } finally {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Encodes `value` with `request`, invokes, and decodes the answer with `response`. */
  async predict<TIn, TOut>(value: TIn, options: PredictOptions<TIn, TOut>): Promise<TOut> {
    const { request, response, ...invokeOptions } = options;
    let encoded: EncodedBody;
    try {
      encoded = request.encode(value);
    } catch (error) {
      throw new InvalidInputError(
        `Could not encode the request for endpoint '${this.endpointName}' as ${request.contentType}: ${messageOf(error)}`,
        { cause: error },
      );
    }
    const result = await this.invoke(encoded.body, {
      ...invokeOptions,
      contentType: encoded.contentType,
      accept: response.accept,
    });
    try {
      return response.decode(result.body, { contentType: result.contentType });
    } catch (error) {
      throw new ResponseDecodeError(this.endpointName, messageOf(error), result.contentType, result.body, {
        cause: error,
      });
    }
  }

  /**
   * Classifies one image: bytes, or a path to read. By default returns the demo's `{ label, probabilities, modelVersion }`;
   * pass `response` (and `request`) codecs for other contracts.
   */
  predictImage(
    image: Uint8Array | string,
    options?: Omit<PredictImageOptions<ImagePrediction>, 'response'>,
  ): Promise<ImagePrediction>;
  predictImage<T>(
    image: Uint8Array | string,
    options: PredictImageOptions<T> & { response: ResponseCodec<T> },
  ): Promise<T>;
  async predictImage<T>(image: Uint8Array | string, options: PredictImageOptions<T> = {}): Promise<T> {
    const bytes = typeof image === 'string' ? await readImageFile(image) : image;
    const { request = imageCodec(), response = imagePredictionCodec as unknown as ResponseCodec<T>, ...rest } = options;
    return this.predict(bytes, { ...rest, request, response });
  }

  /**
   * Invokes many requests with at most `concurrency` in flight; results are in input order and each is
   * `{ ok: true, value }` or `{ ok: false, error }`, so one failure does not sink the batch.
   */
  async invokeMany(requests: readonly InvokeRequest[], options: ManyOptions = {}): Promise<ItemResult<InvokeResult>[]> {
    const concurrency = options.concurrency ?? 10;
    if (this.ownsRuntime) ensureSockets(this.runtime, concurrency);
    return runBounded(requests, ({ body, ...rest }) => this.invoke(body, { ...rest, signal: options.signal }), {
      concurrency,
      onProgress: options.onProgress,
      signal: options.signal,
    });
  }

  /** `predictImage` over many images with bounded concurrency; results in input order, per-item errors. */
  predictImages(
    images: readonly (Uint8Array | string)[],
    options?: ManyOptions & Omit<PredictImageOptions<ImagePrediction>, 'response' | 'signal'>,
  ): Promise<ItemResult<ImagePrediction>[]>;
  predictImages<T>(
    images: readonly (Uint8Array | string)[],
    options: ManyOptions & Omit<PredictImageOptions<T>, 'signal'> & { response: ResponseCodec<T> },
  ): Promise<ItemResult<T>[]>;
  async predictImages<T>(
    images: readonly (Uint8Array | string)[],
    options: ManyOptions & Omit<PredictImageOptions<T>, 'signal'> = {},
  ): Promise<ItemResult<T>[]> {
    const { concurrency = 10, onProgress, signal, ...predictOptions } = options;
    if (this.ownsRuntime) ensureSockets(this.runtime, concurrency);
    return runBounded(
      images,
      (image) =>
        this.predictImage<T>(image, {
          ...predictOptions,
          signal,
        } as PredictImageOptions<T> & { response: ResponseCodec<T> }),
      { concurrency, onProgress, signal },
    );
  }

  private async attemptLoop(
    input: InvokeEndpointCommandInput,
    signal: AbortSignal | undefined,
    deadline: number | undefined,
  ): Promise<InvokeResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const sending = this.runtime.send(
          new InvokeEndpointCommand(input),
          signal ? { abortSignal: signal } : undefined,
        );
        // Not every runtime honours abortSignal (local mode's, custom ones), so the deadline is kept here as well.
        const output = signal ? await untilAborted(sending, signal) : await sending;
        this.budget.recordSuccess();
        return {
          body: output.Body ?? new Uint8Array(),
          contentType: output.ContentType,
          invokedProductionVariant: output.InvokedProductionVariant,
          customAttributes: output.CustomAttributes,
          requestId: output.$metadata?.requestId,
          attempts: attempt,
        };
      } catch (error) {
        if (signal?.aborted) throw withAttempts(error, attempt);
        const classification = classifyError(error);
        const canRetry = classification.retryable && attempt < this.retry.maxAttempts;
        const budgetOk = canRetry && this.budget.tryAcquire();
        if (!canRetry || !budgetOk) {
          throw toInvocationError(this.endpointName, error, {
            retryable: classification.retryable,
            attempts: attempt,
            retryBudgetExhausted: canRetry && !budgetOk,
          });
        }
        let delayMs = backoffDelay(attempt, this.retry);
        if (deadline !== undefined) delayMs = Math.max(0, Math.min(delayMs, deadline - Date.now()));
        this.onRetry?.({
          endpointName: this.endpointName,
          attempt,
          reason: classification.reason,
          error,
          delayMs,
        });
        await sleep(delayMs, signal).catch((abortError: unknown) => {
          throw withAttempts(abortError ?? error, attempt);
        });
      }
    }
  }
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { statusCode?: number; headers?: Record<string, string> };
  OriginalStatusCode?: number;
  OriginalMessage?: string;
  LogStreamArn?: string;
}

/** The SDK's exception, unchanged but for the added details; anything else wrapped in an EndpointInvocationError. */
function toInvocationError(
  endpointName: string,
  error: unknown,
  state: { retryable: boolean; attempts: number; retryBudgetExhausted: boolean },
): EndpointInvocationError {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkErrorShape;
  const errorType = e.name && e.name !== 'Error' ? e.name : (e.code ?? e.name ?? 'UnknownError');
  const details: EndpointInvocationErrorDetails = {
    endpointName,
    errorType,
    httpStatus: e.$metadata?.httpStatusCode ?? e.$response?.statusCode,
    requestId: e.$metadata?.requestId ?? e.$response?.headers?.['x-amzn-requestid'],
    endpointMessage: e.message ?? String(error),
    retryable: state.retryable,
    attempts: state.attempts,
    retryBudgetExhausted: state.retryBudgetExhausted,
    originalStatusCode: e.OriginalStatusCode,
    originalMessage: e.OriginalMessage,
    logStreamArn: e.LogStreamArn,
  };
  if (isSdkServiceException(error)) return passThroughSdkException(error, details);
  return new EndpointInvocationError(details, { cause: error });
}

function checkTimeout(timeoutMs: number | undefined, what: string): number | undefined {
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new InvalidInputError(`${what} must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  }
  return timeoutMs;
}

class TimeoutMarker extends Error {
  constructor() {
    super('timeout');
    this.name = 'TimeoutError';
  }
}

const ATTEMPTS = Symbol('attempts');

function withAttempts(error: unknown, attempts: number): unknown {
  if (typeof error === 'object' && error !== null) (error as Record<symbol, number>)[ATTEMPTS] = attempts;
  return error;
}

function attemptsOf(error: unknown): number {
  return (typeof error === 'object' && error !== null && (error as Record<symbol, number>)[ATTEMPTS]) || 1;
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      // The abandoned call may still settle later; its outcome no longer matters.
      promise.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0 && !signal?.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new InvalidInputError(
      `Could not read image file ${path}${code ? ` (${code})` : ''}: ${messageOf(
        error,
      )}. Pass image bytes or a readable file path.`,
      { cause: error },
    );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
