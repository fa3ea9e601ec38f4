/**
 * The real AWS SDK client over HTTP against a server speaking the InvokeEndpoint wire protocol, for the answers
 * moto cannot give: model errors, throttling, cold starts, 5xx, connection resets, slow responses.
 */
import { ModelError, ValidationError } from '@aws-sdk/client-sagemaker-runtime';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRuntimeClient,
  EndpointClient,
  EndpointClientError,
  EndpointInvocationError,
  InvocationAbortedError,
  InvocationTimeoutError,
  PAYLOAD_LIMITS,
  InvocationPayloadTooLargeError,
  type RetryEvent,
} from '../../src/index.js';
import { ensureSockets } from '../../src/runtime.js';
import { startRuntimeServer, type RuntimeServer, type WireReply, type WireRequest } from '../support/runtime-server.js';

const servers: RuntimeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(
  handler: (request: WireRequest) => WireReply | Promise<WireReply>,
  options: Partial<ConstructorParameters<typeof EndpointClient>[0]> = {},
) {
  const server = await startRuntimeServer(handler);
  servers.push(server);
  const runtime = createRuntimeClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxSockets: 8,
  });
  const retries: RetryEvent[] = [];
  const client = new EndpointClient({
    endpointName: 'scenes-prod',
    runtime,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    onRetry: (event) => retries.push(event),
    ...options,
  });
  return { server, client, retries };
}

const ok = (body = '{"ok":true}'): WireReply => ({
  body,
  contentType: 'application/json',
});

describe('errors keep what the endpoint said', () => {
  it('ModelError: not retried; container message, HTTP status, request id and original status kept', async () => {
    const { server, client, retries } = await setup(() => ({
      status: 424,
      errorType: 'ModelError',
      message: 'Received server error (500) from primary with message "KeyError: probabilities"',
      extra: {
        OriginalStatusCode: 500,
        OriginalMessage: 'KeyError: probabilities',
        LogStreamArn: 'arn:aws:logs:us-east-1:1:log-group:/aws/sagemaker/Endpoints/scenes-prod',
      },
    }));
    const error = await client.invoke('x').catch((e: unknown) => e);
    // The SDK's own exception, unchanged: its class, name and message are what the SDK documents...
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({
      name: 'ModelError',
      message: 'Received server error (500) from primary with message "KeyError: probabilities"',
      OriginalStatusCode: 500,
    });
    // ...and it is also an EndpointInvocationError with our details.
    expect(error).toBeInstanceOf(EndpointInvocationError);
    expect(error).toBeInstanceOf(EndpointClientError);
    const e = error as EndpointInvocationError;
    expect(e.code).toBe('INVOCATION_FAILED');
    expect(e.errorType).toBe('ModelError');
    expect(e.httpStatus).toBe(424);
    expect(e.requestId).toMatch(/^req-\d+$/);
    expect(e.endpointMessage).toContain('KeyError: probabilities');
    expect(e.originalStatusCode).toBe(500);
    expect(e.originalMessage).toBe('KeyError: probabilities');
    expect(e.logStreamArn).toContain('/aws/sagemaker/Endpoints/scenes-prod');
    expect(e.retryable).toBe(false);
    expect(e.attempts).toBe(1);
    expect(server.requests).toHaveLength(1);
    expect(retries).toHaveLength(0);
  });

  it('ValidationError is not retried', async () => {
    const { client, server } = await setup(() => ({
      status: 400,
      errorType: 'ValidationError',
      message: 'Endpoint scenes-prod of account 1 not found.',
    }));
    const error = (await client.invoke('x').catch((e: unknown) => e)) as EndpointInvocationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.errorType).toBe('ValidationError');
    expect(error.endpointMessage).toBe('Endpoint scenes-prod of account 1 not found.');
    expect(error.httpStatus).toBe(400);
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });
});

describe('failures without an SDK exception', () => {
  it('a connection reset is a real EndpointInvocationError carrying the Node error as its cause', async () => {
    const { client } = await setup(() => ({ reset: true }), { retry: { maxAttempts: 1 } });
    const error = (await client.invoke('x').catch((e: unknown) => e)) as EndpointInvocationError;
    expect(Object.getPrototypeOf(error)).toBe(EndpointInvocationError.prototype);
    expect(error).toMatchObject({ code: 'INVOCATION_FAILED', attempts: 1, httpStatus: undefined });
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toMatch(/scenes-prod/);
  });
});

describe('retries', () => {
  it('retries a cold start, throttling, 503, 500 and a connection reset, then succeeds, reporting each retry', async () => {
    const script: WireReply[] = [
      {
        status: 429,
        errorType: 'ModelNotReadyException',
        message: 'Model is not ready yet',
      },
      {
        status: 400,
        errorType: 'ThrottlingException',
        message: 'Rate exceeded',
      },
      {
        status: 503,
        errorType: 'ServiceUnavailable',
        message: 'Service unavailable',
      },
      {
        status: 500,
        errorType: 'InternalFailure',
        message: 'Internal failure',
      },
      { reset: true },
      ok('{"finally":1}'),
    ];
    let i = 0;
    const { client, retries, server } = await setup(() => script[i++] ?? ok(), {
      retry: { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 20 },
    });
    const result = await client.invoke('x');
    expect(new TextDecoder().decode(result.body)).toBe('{"finally":1}');
    expect(result.attempts).toBe(6);
    expect(server.requests).toHaveLength(6);
    expect(retries.map((r) => r.reason)).toEqual([
      'model-not-ready',
      'throttled',
      'service-unavailable',
      'internal-failure',
      'connection',
    ]);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
    for (const r of retries) expect(r.delayMs).toBeLessThanOrEqual(20);
  });

  it('gives up after maxAttempts with the last error, marked retryable', async () => {
    const { client, server } = await setup(
      () => ({
        status: 503,
        errorType: 'ServiceUnavailable',
        message: 'still down',
      }),
      {
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      },
    );
    const error = (await client.invoke('x').catch((e: unknown) => e)) as EndpointInvocationError;
    expect(error).toBeInstanceOf(EndpointInvocationError);
    expect(error.attempts).toBe(3);
    expect(error.retryable).toBe(true);
    expect(error.retryBudgetExhausted).toBe(false);
    expect(error.endpointMessage).toBe('still down');
    expect(server.requests).toHaveLength(3);
  });

  it('stops retrying when the client-wide retry budget is empty', async () => {
    const { client, server } = await setup(() => ({ status: 500, errorType: 'InternalFailure', message: 'down' }), {
      retry: {
        maxAttempts: 10,
        baseDelayMs: 1,
        maxDelayMs: 1,
        budgetTokens: 10,
        retryCost: 5,
      },
    });
    const first = (await client.invoke('a').catch((e: unknown) => e)) as EndpointInvocationError;
    expect(first.attempts).toBe(3); // 2 retries paid for, the 3rd could not be
    expect(first.retryBudgetExhausted).toBe(true);
    const second = (await client.invoke('b').catch((e: unknown) => e)) as EndpointInvocationError;
    expect(second.attempts).toBe(1);
    expect(server.requests).toHaveLength(4);
    expect(client.retryBudgetAvailable).toBe(0);
  });
});

describe('deadlines and cancellation', () => {
  it('timeoutMs bounds the whole call', async () => {
    const { client } = await setup(() => ({ delayMs: 2_000, thenReply: ok() }));
    const started = Date.now();
    const error = await client.invoke('x', { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationTimeoutError);
    expect((error as Error).message).toMatch(/within 150 ms/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('timeoutMs also cuts a retry loop short', async () => {
    const { client } = await setup(
      () => ({
        status: 429,
        errorType: 'ModelNotReadyException',
        message: 'cold',
      }),
      {
        retry: { maxAttempts: 100, baseDelayMs: 50, maxDelayMs: 50 },
      },
    );
    const error = (await client.invoke('x', { timeoutMs: 300 }).catch((e: unknown) => e)) as InvocationTimeoutError;
    expect(error).toBeInstanceOf(InvocationTimeoutError);
    expect(error.attempts).toBeGreaterThan(1);
  });

  it('an AbortSignal stops the call', async () => {
    const { client } = await setup(() => ({ delayMs: 2_000, thenReply: ok() }));
    const controller = new AbortController();
    // The abort comes while the 2 s reply is pending (or before the call: aborted either way, no race).
    setTimeout(() => controller.abort(), 50);
    await expect(client.invoke('x', { signal: controller.signal })).rejects.toBeInstanceOf(InvocationAbortedError);
  });
});

describe('payload limits', () => {
  it('refuses over-limit bodies before sending, with sizes in the message', async () => {
    const { client, server } = await setup(() => ok(), {
      endpointKind: 'Serverless',
    });
    const body = new Uint8Array(PAYLOAD_LIMITS.Serverless + 1);
    const error = await client.invoke(body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationPayloadTooLargeError);
    expect((error as Error).message).toMatch(/4\.00 MiB.*limit of serverless endpoints; it was not sent/);
    expect(server.requests).toHaveLength(0);
    await expect(client.invoke(new Uint8Array(PAYLOAD_LIMITS.Serverless))).resolves.toMatchObject({ attempts: 1 });
  });

  it('real-time endpoints allow 6 MB', async () => {
    const { client } = await setup(() => ok());
    await expect(client.invoke(new Uint8Array(5 * 1024 * 1024))).resolves.toMatchObject({ attempts: 1 });
    await expect(client.invoke(new Uint8Array(PAYLOAD_LIMITS.RealTime + 1))).rejects.toBeInstanceOf(
      InvocationPayloadTooLargeError,
    );
  });
});

describe('invokeMany', () => {
  it('keeps input order under random latencies, isolates failures, bounds concurrency and reuses connections', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { client, server } = await setup(async (request) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const n = Number(request.body.toString());
      // A slow fake endpoint is the behaviour under test: random latencies reorder the answers.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15)));
      inFlight -= 1;
      if (n % 7 === 3)
        return {
          status: 424,
          errorType: 'ModelError',
          message: `bad item ${n}`,
        };
      return ok(JSON.stringify({ n }));
    });
    const ports = new Set<number>();
    const progress: number[] = [];
    const results = await client.invokeMany(
      Array.from({ length: 60 }, (_, i) => ({
        body: String(i),
        contentType: 'text/plain',
      })),
      { concurrency: 5, onProgress: (p) => progress.push(p.done) },
    );
    for (const request of server.requests) ports.add(request.remotePort ?? -1);
    expect(results).toHaveLength(60);
    results.forEach((r, i) => {
      expect(r.index).toBe(i);
      if (i % 7 === 3) {
        expect(r.ok).toBe(false);
        expect(!r.ok && (r.error as EndpointInvocationError).endpointMessage).toBe(`bad item ${i}`);
      } else {
        expect(r.ok && JSON.parse(new TextDecoder().decode(r.value.body))).toEqual({ n: i });
      }
    });
    expect(maxInFlight).toBeLessThanOrEqual(5);
    expect(maxInFlight).toBeGreaterThan(1);
    // 60 requests over at most 5 kept-alive connections, not one connection each.
    expect(ports.size).toBeLessThanOrEqual(5);
    expect(progress).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('never resizes a runtime client the caller passed in (it may be shared): its maxSockets bounds the batch', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const server = await startRuntimeServer(async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Each answer takes a while (the behaviour under test), so concurrent requests overlap and are counted.
      await new Promise((r) => setTimeout(r, 30));
      inFlight -= 1;
      return ok();
    });
    servers.push(server);
    const runtime = createRuntimeClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxSockets: 2,
    });
    const client = new EndpointClient({ endpointName: 'scenes-prod', runtime });
    const results = await client.invokeMany(
      Array.from({ length: 24 }, (_, i) => ({ body: String(i) })),
      { concurrency: 6 },
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(maxInFlight).toBe(2);
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(2);
    // The same client, now sized by its owner, serves 6 in flight.
    ensureSockets(runtime, 6);
    maxInFlight = 0;
    await client.invokeMany(
      Array.from({ length: 24 }, (_, i) => ({ body: String(i) })),
      { concurrency: 6 },
    );
    expect(maxInFlight).toBe(6);
  });

  it('property: any latencies and concurrency give results in input order', async () => {
    const { client } = await setup(async (request) => {
      const [n, delay] = request.body.toString().split(':').map(Number);
      // The latency the property draws is the behaviour under test.
      await new Promise((r) => setTimeout(r, delay));
      return ok(String(n));
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 25 }),
        fc.integer({ min: 1, max: 8 }),
        async (delays, concurrency) => {
          const results = await client.invokeMany(
            delays.map((d, i) => ({ body: `${i}:${d}` })),
            { concurrency },
          );
          expect(results.map((r) => (r.ok ? Number(new TextDecoder().decode(r.value.body)) : -1))).toEqual(
            delays.map((_, i) => i),
          );
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('options are checked up front', () => {
  it('names the bad option', () => {
    expect(() => new EndpointClient({ endpointName: 'bad name!' })).toThrow(
      /endpointName must be a SageMaker endpoint name/,
    );
    expect(() => new EndpointClient({ endpointName: 'e', endpointKind: 'batch' as never })).toThrow(
      /endpointKind must be 'RealTime' or 'Serverless'/,
    );
    expect(() => new EndpointClient({ endpointName: 'e', maxPayloadBytes: -1 })).toThrow(
      /maxPayloadBytes must be a positive/,
    );
    expect(() => new EndpointClient({ endpointName: 'e', timeoutMs: 0 })).toThrow(
      /timeoutMs must be a positive number/,
    );
    expect(() => new EndpointClient({ endpointName: 'e', retry: { maxAttempts: 0 } })).toThrow(
      /maxAttempts must be an integer >= 1/,
    );
  });

  it('an already-aborted signal fails at once without sending', async () => {
    const { client, server } = await setup(() => ok());
    const error = await client.invoke('x', { signal: AbortSignal.abort(), timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationAbortedError);
    expect(server.requests).toHaveLength(0);
  });
});
