import fc from 'fast-check';
import {
  InternalFailure,
  ModelError,
  ModelNotReadyException,
  ServiceUnavailable,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyError } from '../../src/index.js';
import { RetryBudget, resolveRetryOptions } from '../../src/retry.js';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

describe('classifyError', () => {
  it('retries cold starts, throttling, service unavailable, internal failures and connection resets', () => {
    expect(classifyError(new ModelNotReadyException({ message: 'cold', ...meta(429) }))).toEqual({
      retryable: true,
      reason: 'model-not-ready',
    });
    expect(
      classifyError(
        Object.assign(new Error('slow down'), {
          name: 'ThrottlingException',
          ...meta(400),
        }),
      ),
    ).toEqual({ retryable: true, reason: 'throttled' });
    expect(classifyError(Object.assign(new Error('x'), { name: 'Unknown', ...meta(429) }))).toEqual({
      retryable: true,
      reason: 'throttled',
    });
    expect(classifyError(new ServiceUnavailable({ message: 'x', ...meta(503) }))).toEqual({
      retryable: true,
      reason: 'service-unavailable',
    });
    expect(classifyError(new InternalFailure({ message: 'x', ...meta(500) }))).toEqual({
      retryable: true,
      reason: 'internal-failure',
    });
    expect(classifyError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toEqual({
      retryable: true,
      reason: 'connection',
    });
    expect(
      classifyError(
        new Error('wrapped', {
          cause: Object.assign(new Error('x'), { code: 'EPIPE' }),
        }),
      ),
    ).toEqual({ retryable: true, reason: 'connection' });
    expect(
      classifyError(
        Object.assign(new Error('bad gateway'), {
          name: 'Unknown',
          ...meta(502),
        }),
      ),
    ).toEqual({ retryable: true, reason: 'server-error' });
  });

  it('never retries model errors or validation errors, whatever their HTTP status', () => {
    for (const status of [400, 424, 500, 503]) {
      expect(classifyError(new ModelError({ message: 'boom', ...meta(status) }))).toEqual({
        retryable: false,
        reason: 'model-error',
      });
      expect(classifyError(new ValidationError({ message: 'bad', ...meta(status) }))).toEqual({
        retryable: false,
        reason: 'validation-error',
      });
    }
  });

  it('does not retry aborts, other client errors or non-errors', () => {
    expect(classifyError(Object.assign(new Error('x'), { name: 'AbortError' })).retryable).toBe(false);
    expect(
      classifyError(
        Object.assign(new Error('x'), {
          name: 'AccessDeniedException',
          ...meta(403),
        }),
      ).retryable,
    ).toBe(false);
    expect(classifyError('a string').retryable).toBe(false);
    expect(classifyError(undefined).retryable).toBe(false);
  });
});

describe('backoffDelay (full jitter)', () => {
  it('stays within [0, min(max, base * 2^(n-1)))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (retry, baseDelayMs, maxDelayMs, r) => {
          const delay = backoffDelay(retry, {
            baseDelayMs,
            maxDelayMs,
            random: () => r,
          });
          const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(cap);
        },
      ),
    );
  });

  it('grows exponentially until the cap', () => {
    const opts = {
      baseDelayMs: 100,
      maxDelayMs: 1_000,
      random: () => 0.999999,
    };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts))).toEqual([99, 199, 399, 799, 999]);
  });
});

describe('retry budget', () => {
  it('spends per retry, refills per success, never over capacity', () => {
    const budget = new RetryBudget(10, 5);
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(true);
    expect(budget.tryAcquire()).toBe(false);
    for (let i = 0; i < 20; i += 1) budget.recordSuccess();
    expect(budget.available).toBe(10);
  });

  it('rejects nonsense options', () => {
    expect(() => resolveRetryOptions({ maxAttempts: 0 })).toThrow(/maxAttempts must be an integer >= 1/);
    expect(() => resolveRetryOptions({ baseDelayMs: -1 })).toThrow(/baseDelayMs/);
  });
});
