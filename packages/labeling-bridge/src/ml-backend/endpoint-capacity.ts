import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { PredictorError } from '../errors.js';

/**
 * How many invocations an endpoint accepts at once: the sum of its serverless variants' `MaxConcurrency` (above it,
 * SageMaker answers ThrottlingException), or `undefined` for instance-backed variants, which queue instead.
 */
export async function endpointMaxConcurrency(
  sagemaker: SageMakerClient,
  endpointName: string,
): Promise<number | undefined> {
  const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  if (!endpoint.EndpointConfigName) throw new PredictorError(`endpoint ${endpointName} has no endpoint config`);
  const config = await sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
  );
  const serverless = (config.ProductionVariants ?? [])
    .map((variant) => variant.ServerlessConfig?.MaxConcurrency)
    .filter((n): n is number => typeof n === 'number' && n > 0);
  return serverless.length ? serverless.reduce((a, b) => a + b, 0) : undefined;
}

/**
 * A counting semaphore shared by every request of one predictor, so Label Studio's concurrent /predict calls
 * together never exceed what the endpoint accepts. Waiters are served first come, first served; an aborted
 * waiter leaves the queue without taking a slot.
 */
export class InvocationSlots {
  #limit: number;
  #inUse = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = InvocationSlots.#check(limit);
  }

  static #check(limit: number): number {
    if (!Number.isInteger(limit) || limit < 1)
      throw new PredictorError(`concurrency must be an integer >= 1, got ${limit}`);
    return limit;
  }

  get limit(): number {
    return this.#limit;
  }

  get inUse(): number {
    return this.#inUse;
  }

  /** Changes the limit (e.g. after the endpoint's MaxConcurrency was read); waiters start as slots allow. */
  resize(limit: number): void {
    this.#limit = InvocationSlots.#check(limit);
    this.#drain();
  }

  /** Runs `work` in a slot, waiting for one first; `signal` gives up the wait. */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquire(signal);
    try {
      return await work();
    } finally {
      this.#inUse--;
      this.#drain();
    }
  }

  #acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#inUse < this.#limit && this.#waiters.length === 0) {
      this.#inUse++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#inUse++;
        resolve();
      };
      const onAbort = () => {
        const index = this.#waiters.indexOf(grant);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(abortReason(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(grant);
    });
  }

  #drain(): void {
    while (this.#inUse < this.#limit && this.#waiters.length > 0) this.#waiters.shift()?.();
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new PredictorError('the prediction was given up (deadline)');
}
