/**
 * A small HTTP server that speaks the SageMaker Runtime InvokeEndpoint wire protocol (restJson1:
 * POST /endpoints/{name}/invocations, x-amzn-* headers, errors as `x-amzn-errortype` + JSON body) so the real
 * AWS SDK client can be driven through responses moto cannot produce: ModelError, throttling, 5xx, resets.
 * Used by tests and by bench/endpoint-client.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WireRequest {
  endpointName: string;
  body: Buffer;
  headers: IncomingMessage['headers'];
  /** The client's TCP port: the same port on many requests means a kept-alive connection. */
  remotePort: number | undefined;
}

export type WireReply =
  | {
      status?: 200;
      body: string | Uint8Array;
      contentType?: string;
      variant?: string;
      customAttributes?: string;
    }
  | {
      status: number;
      errorType: string;
      message: string;
      extra?: Record<string, unknown>;
    }
  | { reset: true }
  | { delayMs: number; thenReply: WireReply };

export interface RuntimeServer {
  readonly endpoint: string;
  readonly requests: WireRequest[];
  close(): Promise<void>;
}

let requestCounter = 0;

export async function startRuntimeServer(
  handler: (request: WireRequest) => WireReply | Promise<WireReply>,
  options: { recordRequests?: boolean } = {},
): Promise<RuntimeServer> {
  const requests: WireRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = /^\/endpoints\/([^/]+)\/invocations$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'UnknownOperationException',
        });
        res.end(JSON.stringify({ message: `no route for ${req.method} ${req.url}` }));
        return;
      }
      const request: WireRequest = {
        endpointName: decodeURIComponent(match[1] as string),
        body: Buffer.concat(chunks),
        headers: req.headers,
        remotePort: req.socket.remotePort,
      };
      if (options.recordRequests !== false) requests.push(request);
      const requestId = `req-${++requestCounter}`;
      const reply = async (r: WireReply): Promise<void> => {
        if ('delayMs' in r) {
          // A slow endpoint on purpose: the delay a test asks for is the behaviour it tests (timeouts, aborts).
          await new Promise((resolve) => setTimeout(resolve, r.delayMs));
          return reply(r.thenReply);
        }
        if ('reset' in r) {
          req.socket.destroy();
          return;
        }
        if ('errorType' in r) {
          res.writeHead(r.status, {
            'content-type': 'application/json',
            'x-amzn-errortype': r.errorType,
            'x-amzn-requestid': requestId,
          });
          res.end(JSON.stringify({ message: r.message, ...r.extra }));
          return;
        }
        const headers: Record<string, string> = {
          'content-type': r.contentType ?? 'application/json',
          'x-amzn-invoked-production-variant': r.variant ?? 'AllTraffic',
          'x-amzn-requestid': requestId,
        };
        if (r.customAttributes !== undefined) headers['x-amzn-sagemaker-custom-attributes'] = r.customAttributes;
        res.writeHead(200, headers);
        res.end(r.body);
      };
      Promise.resolve(handler(request))
        .then(reply)
        .catch((error: unknown) => {
          res.writeHead(500, {
            'content-type': 'application/json',
            'x-amzn-errortype': 'InternalFailure',
          });
          res.end(JSON.stringify({ message: String(error) }));
        });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
