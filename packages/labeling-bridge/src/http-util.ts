import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ZodError } from 'zod';
import { InvalidPayloadError, LabelingBridgeError, PayloadTooLargeError } from './errors.js';

/** Reads a request body up to `limit` bytes; a larger body is refused before it is buffered. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit) {
    req.resume();
    throw new PayloadTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses JSON, turning a syntax error into a 400 that says where. */
export function parseJson(body: Buffer | string): unknown {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') throw new InvalidPayloadError('empty body: expected a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidPayloadError(`body is not valid JSON: ${(error as Error).message}`);
  }
}

/** A zod failure as an InvalidPayloadError naming the JSON path of the first issue. */
export function zodToPayloadError(error: ZodError, what: string): InvalidPayloadError {
  const issue = error.issues[0];
  const path = issue ? `$${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}` : '$';
  return new InvalidPayloadError(`${what}: ${issue?.message ?? 'invalid'}`, path);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The error body both servers answer with: Label Studio shows `error` in its UI and logs. */
export function errorBody(error: unknown): { status: number; body: { status: number; error: string; detail: string } } {
  if (error instanceof LabelingBridgeError) {
    return {
      status: error.status,
      body: { status: error.status, error: error.message, detail: `${error.name}: ${error.message}` },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { status: 500, error: `internal error: ${message}`, detail: 'InternalError' } };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time string comparison (digests first, so lengths do not leak either). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Checks an `Authorization: Basic …` header against a user and password. */
export function basicAuthMatches(header: string | undefined, user: string, pass: string): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  return safeEqual(decoded, `${user}:${pass}`);
}

/** Runs `fn` over items with at most `limit` in flight, keeping the result order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

/** A listening HTTP server, its base URL and a close that also ends kept-alive connections. */
export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts `server` on `host:port` (port 0: a free one) and resolves once it listens. */
export async function listenOn(server: Server, port: number, host: string): Promise<RunningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
