import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { SageMakerRuntimeClient, type SageMakerRuntimeClientConfig } from '@aws-sdk/client-sagemaker-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { InvalidInputError } from './errors.js';

export interface CreateRuntimeClientOptions
  extends Omit<SageMakerRuntimeClientConfig, 'requestHandler' | 'maxAttempts'> {
  /**
   * Keep-alive sockets per host. Size it to the concurrency you will use (invokeMany's `concurrency`):
   * fewer sockets queue requests inside the agent, more are never used. Default 50 (the SDK's default).
   */
  maxSockets?: number;
  /** Socket connect timeout. Default 5,000 ms. */
  connectionTimeoutMs?: number;
}

/**
 * A SageMakerRuntimeClient for EndpointClient: keep-alive agents sized by `maxSockets`, and the SDK's own
 * retries off (`maxAttempts: 1`) because EndpointClient owns the retry policy (see retry.ts for why).
 * Region and credentials come from the default chain unless given.
 */
export function createRuntimeClient(options: CreateRuntimeClientOptions = {}): SageMakerRuntimeClient {
  const { maxSockets = 50, connectionTimeoutMs = 5_000, ...config } = options;
  if (!Number.isInteger(maxSockets) || maxSockets < 1) {
    throw new InvalidInputError(`createRuntimeClient: maxSockets must be an integer >= 1, got ${maxSockets}`);
  }
  const agentOptions = { keepAlive: true, maxSockets, keepAliveMsecs: 1_000 };
  const agents = [new HttpAgent(agentOptions), new HttpsAgent(agentOptions)] as const;
  const client = new SageMakerRuntimeClient({
    ...config,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: agents[0],
      httpsAgent: agents[1],
      connectionTimeout: connectionTimeoutMs,
    }),
  });
  // NodeHttpHandler resolves its config on the first request, so keep the agents at hand for ensureSockets.
  agentsOf.set(client, agents);
  return client;
}

const agentsOf = new WeakMap<SageMakerRuntimeClient, readonly HttpAgent[]>();

/**
 * Raises the keep-alive socket limit of a client made by `createRuntimeClient` to at least `sockets`, so
 * `concurrency` requests in flight get one connection each. EndpointClient calls it only for the client it
 * created itself: a caller's client may be shared, and its size is the caller's choice.
 */
export function ensureSockets(client: SageMakerRuntimeClient, sockets: number): void {
  for (const agent of agentsOf.get(client) ?? []) {
    if (agent.maxSockets < sockets) agent.maxSockets = sockets;
  }
}
