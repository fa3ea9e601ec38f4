import { InvalidInputError } from './errors.js';

export type ItemResult<T> = { ok: true; index: number; value: T } | { ok: false; index: number; error: unknown };

export interface Progress {
  done: number;
  total: number;
  failed: number;
}

export interface RunBoundedOptions {
  /** At most this many workers in flight. */
  concurrency: number;
  /** Called after each item finishes (success or failure). */
  onProgress?: (progress: Progress) => void;
  /** Stops starting new items; items not started end as failures with the abort reason. */
  signal?: AbortSignal;
}

/**
 * Runs `worker` over `items` with at most `concurrency` in flight. Results come back in input order and one
 * item's failure never stops the others: each result is `{ ok, index, value | error }`.
 */
export async function runBounded<I, T>(
  items: readonly I[],
  worker: (item: I, index: number) => Promise<T>,
  options: RunBoundedOptions,
): Promise<ItemResult<T>[]> {
  const { concurrency, onProgress, signal } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidInputError(`concurrency must be an integer >= 1, got ${concurrency}`);
  }
  const total = items.length;
  const results = new Array<ItemResult<T>>(total);
  let next = 0;
  let done = 0;
  let failed = 0;
  const finish = (result: ItemResult<T>) => {
    results[result.index] = result;
    done += 1;
    if (!result.ok) failed += 1;
    onProgress?.({ done, total, failed });
  };
  const lane = async () => {
    while (next < total) {
      const index = next;
      next += 1;
      if (signal?.aborted) {
        finish({
          ok: false,
          index,
          error: signal.reason ?? new Error('aborted'),
        });
        continue;
      }
      try {
        finish({
          ok: true,
          index,
          value: await worker(items[index] as I, index),
        });
      } catch (error) {
        finish({ ok: false, index, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  return results;
}
