/** Waiting for an endpoint with the SDK's waiters, reporting each status change, and judging how a rollout ended. */
import {
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  type SageMakerClient,
  waitUntilEndpointInService,
} from '@aws-sdk/client-sagemaker';
import { DeploymentFailedError } from '../errors.js';
import { describeEndpoint } from './sagemaker-reads.js';

export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

export interface WaitTiming {
  readonly timeoutMs?: number;
  readonly minPollDelayMs?: number;
  readonly maxPollDelayMs?: number;
}

/** A status change seen while waiting. */
export type OnEndpointStatus = (status: string | undefined, elapsedMs: number) => void;

/** The SDK waiter's configuration, with a client whose DescribeEndpoint answers are reported to `onStatus`. */
export function endpointWaiter(sagemaker: SageMakerClient, timing: WaitTiming, onStatus: OnEndpointStatus) {
  const started = Date.now();
  let lastStatus: string | undefined;
  const observed = new Proxy(sagemaker, {
    get: (target, property, receiver) => {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return async (command: Parameters<SageMakerClient['send']>[0]) => {
        const output = (await target.send(command)) as DescribeEndpointCommandOutput;
        if (command instanceof DescribeEndpointCommand && output.EndpointStatus !== lastStatus) {
          lastStatus = output.EndpointStatus;
          onStatus(output.EndpointStatus, Date.now() - started);
        }
        return output;
      };
    },
  });
  return {
    client: observed,
    // The SDK waiters count in seconds; our options, like every duration in these packages, in milliseconds.
    maxWaitTime: (timing.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000,
    minDelay: (timing.minPollDelayMs ?? 5_000) / 1000,
    maxDelay: (timing.maxPollDelayMs ?? 30_000) / 1000,
  };
}

/**
 * Waits until the endpoint is InService on `endpointConfigName`. Throws DeploymentFailedError when it failed, timed
 * out, or SageMaker rolled the update back (then the previous config is named as the one still serving).
 */
export async function waitForRollout(
  sagemaker: SageMakerClient,
  timing: WaitTiming,
  endpointName: string,
  endpointConfigName: string,
  onStatus: OnEndpointStatus,
): Promise<void> {
  let waitError: unknown;
  try {
    await waitUntilEndpointInService(endpointWaiter(sagemaker, timing, onStatus), { EndpointName: endpointName });
  } catch (error) {
    waitError = error;
  }
  const endpoint = await describeEndpoint(sagemaker, endpointName);
  if (!waitError && endpoint?.EndpointConfigName === endpointConfigName) return;
  // Either the endpoint failed, or SageMaker rolled an update back to the previous config (InService again).
  const servingPrevious =
    endpoint?.EndpointStatus === 'InService' && endpoint.EndpointConfigName !== endpointConfigName
      ? endpoint.EndpointConfigName
      : undefined;
  const reason =
    endpoint?.FailureReason ??
    (waitError && (waitError as Error).name === 'TimeoutError'
      ? `not InService after ${(timing.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s (status ${endpoint?.EndpointStatus})`
      : undefined) ??
    (endpoint
      ? `endpoint is ${endpoint.EndpointStatus} on ${endpoint.EndpointConfigName}`
      : 'the endpoint disappeared');
  throw new DeploymentFailedError(endpointName, endpointConfigName, reason, servingPrevious, { cause: waitError });
}
