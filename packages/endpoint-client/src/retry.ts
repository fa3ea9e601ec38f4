/**
 * Retry policy for InvokeEndpoint.
 *
 * Why we own the policy instead of the SDK's StandardRetryStrategy: the SDK's strategy is a property of the
 * (injected, possibly shared) client, it does not retry `ModelNotReadyException` (a client fault, but exactly what a
 * serverless endpoint answers while it cold-starts), it has no per-retry hook, and its delay cannot be tied to the
 * caller's deadline. So `createRuntimeClient()` builds clients with `maxAttempts: 1` and this module decides.
 * It still reuses the SDK's own error classification (`isThrottlingError`, `isTransientError` from
 * `@smithy/core/retry`) so throttling codes and Node network errors stay in step with the SDK.
 */
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import { InvalidInputError } from './errors.js';

export type RetryReason =
  | 'model-not-ready'
  | 'throttled'
  | 'service-unavailable'
  | 'internal-failure'
  | 'connection'
  | 'server-error';

export type ErrorClassification =
  | { retryable: true; reason: RetryReason }
  | {
      retryable: false;
      reason: 'model-error' | 'validation-error' | 'aborted' | 'client-error';
    };

/** Errors that mean "the request or the model is wrong": retrying gives the same answer. */
const NEVER_RETRY: Record<string, 'model-error' | 'validation-error'> = {
  ModelError: 'model-error',
  ModelStreamError: 'model-error',
  ValidationError: 'validation-error',
  ValidationException: 'validation-error',
};

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
  $fault?: unknown;
}

/** Decides whether an InvokeEndpoint error is worth another attempt, and why. */
export function classifyError(error: unknown): ErrorClassification {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const name = typeof e.name === 'string' ? e.name : '';
  const never = NEVER_RETRY[name];
  if (never) return { retryable: false, reason: never };
  if (name === 'AbortError') return { retryable: false, reason: 'aborted' };
  if (name === 'ModelNotReadyException') return { retryable: true, reason: 'model-not-ready' };
  if (name === 'ServiceUnavailable') return { retryable: true, reason: 'service-unavailable' };
  if (name === 'InternalFailure' || name === 'InternalDependencyException')
    return { retryable: true, reason: 'internal-failure' };
  // The smithy classifiers read `name`, `code`, `$metadata` and `$retryable` and tolerate anything else.
  const sdkError = e as Parameters<typeof isThrottlingError>[0];
  if (isThrottlingError(sdkError)) return { retryable: true, reason: 'throttled' };
  if (hasConnectionCode(e, 0)) return { retryable: true, reason: 'connection' };
  if (isTransientError(sdkError)) return { retryable: true, reason: 'server-error' };
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return { retryable: true, reason: 'server-error' };
  return { retryable: false, reason: 'client-error' };
}

function hasConnectionCode(e: ErrorLike, depth: number): boolean {
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  if (depth < 5 && typeof e.cause === 'object' && e.cause !== null)
    return hasConnectionCode(e.cause as ErrorLike, depth + 1);
  return false;
}

export interface RetryOptions {
  /** Attempts per call, the first included. Default 5. `1` disables retries. */
  maxAttempts?: number;
  /** Backoff base: the cap of the first retry's delay. Default 100 ms. */
  baseDelayMs?: number;
  /** Largest delay between two attempts. Default 5,000 ms. */
  maxDelayMs?: number;
  /**
   * Retry budget shared by all calls of one EndpointClient: a token bucket that each retry spends
   * `retryCost` tokens from and each success refills by 1, so a failing endpoint is not hammered by
   * every caller's retries at once (the SDK's standard mode does the same). Default 500 tokens, cost 5.
   * `Infinity` disables the budget.
   */
  budgetTokens?: number;
  retryCost?: number;
  /** Source of randomness in [0, 1) for the jitter; tests pass a fixed one. Default Math.random. */
  random?: () => number;
}

export interface ResolvedRetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  budgetTokens: number;
  retryCost: number;
  random: () => number;
}

export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const resolved = {
    maxAttempts: options.maxAttempts ?? 5,
    baseDelayMs: options.baseDelayMs ?? 100,
    maxDelayMs: options.maxDelayMs ?? 5_000,
    budgetTokens: options.budgetTokens ?? 500,
    retryCost: options.retryCost ?? 5,
    random: options.random ?? Math.random,
  };
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) {
    throw new InvalidInputError(`retry.maxAttempts must be an integer >= 1, got ${resolved.maxAttempts}`);
  }
  for (const key of ['baseDelayMs', 'maxDelayMs', 'retryCost'] as const) {
    if (!(resolved[key] >= 0)) throw new InvalidInputError(`retry.${key} must be >= 0, got ${resolved[key]}`);
  }
  if (!(resolved.budgetTokens >= 0))
    throw new InvalidInputError(`retry.budgetTokens must be >= 0, got ${resolved.budgetTokens}`);
  return resolved;
}

/**
 * Delay before retry number `retry` (1 for the first retry): "full jitter", a uniform draw in
 * [0, min(maxDelay, base * 2^(retry-1))). Full jitter spreads a burst of throttled callers over the whole
 * window instead of letting them retry in lockstep.
 */
export function backoffDelay(
  retry: number,
  options: Pick<ResolvedRetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(options.random() * cap);
}

/** Token bucket behind the retry budget. One per EndpointClient; never global. */
export class RetryBudget {
  private tokens: number;
  constructor(
    private readonly capacity: number,
    private readonly retryCost: number,
  ) {
    this.tokens = capacity;
  }
  /** Takes the cost of one retry; false when the budget cannot pay for it. */
  tryAcquire(): boolean {
    if (this.tokens < this.retryCost) return false;
    this.tokens -= this.retryCost;
    return true;
  }
  /** A success refills one token, up to the capacity. */
  recordSuccess(): void {
    if (this.tokens < this.capacity) this.tokens = Math.min(this.capacity, this.tokens + 1);
  }
  get available(): number {
    return this.tokens;
  }
}

/** What the onRetry hook hears before each retry. */
export interface RetryEvent {
  endpointName: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  reason: RetryReason;
  error: unknown;
  /** How long the client waits before the next attempt. */
  delayMs: number;
}
