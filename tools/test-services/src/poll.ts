/**
 * The one polling helper of the test suites: wait for something that happens asynchronously (a process coming up,
 * an endpoint reaching InService, a webhook delivery) by looking at it, never by sleeping a guessed time and
 * acting. A timeout fails with what was awaited and the last thing seen, not as a confusing assertion later.
 */

export interface PollOptions {
  /** Give up after this long. Default 30,000 ms. */
  timeoutMs?: number;
  /** Pause between two looks. Default 50 ms. */
  intervalMs?: number;
  /**
   * Treat an error thrown by the probe as "not yet" (a server that refuses connections while it starts) instead
   * of failing at once. Default false. The last error is in the timeout message.
   */
  retryErrors?: boolean;
}

/** Thrown when `pollUntil` runs out of time. */
export class PollTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly last: unknown,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${describe(last)}`);
    this.name = 'PollTimeoutError';
  }
}

/**
 * Calls `probe` until it returns something other than `undefined`, and returns that. The probe is called at once,
 * then every `intervalMs`, until `timeoutMs` has passed.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  options: PollOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 50, retryErrors = false } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = undefined;
    } catch (error) {
      if (!retryErrors) throw error;
      last = error;
    }
    if (Date.now() >= deadline) throw new PollTimeoutError(what, timeoutMs, last);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Polls `read` until `ok(value)` holds and returns that value; a timeout names the last value read. For checks
 * on a value that is always there but not yet right (a count, a status).
 */
export async function pollFor<T, S extends T = T>(
  what: string,
  read: () => T | Promise<T>,
  ok: ((value: T) => value is S) | ((value: T) => boolean),
  options: PollOptions = {},
): Promise<S> {
  let last: T | undefined;
  try {
    return await pollUntil(
      what,
      async () => {
        last = await read();
        return ok(last) ? (last as S) : undefined;
      },
      options,
    );
  } catch (error) {
    if (error instanceof PollTimeoutError && last !== undefined) {
      throw new PollTimeoutError(what, error.timeoutMs, last);
    }
    throw error;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing yet';
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value)?.slice(0, 500) ?? String(value);
  } catch {
    return String(value);
  }
}
