import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as z from 'zod/mini';
import { InvalidPayloadError, LabelingBridgeError, RequestBodyTooLargeError } from './errors.js';

/** Reads a request body up to `limit` bytes; a larger body is refused before it is buffered. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit) {
    req.resume();
    throw new RequestBodyTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new RequestBodyTooLargeError(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Deepest nesting of arrays and objects accepted in a request body; Label Studio's events nest about 8 deep. */
export const MAX_JSON_DEPTH = 64;

/**
 * Throws when a JSON text nests arrays/objects deeper than `maxDepth`: one linear pass over the characters, before
 * JSON.parse, so a deep body never reaches code that recurses over it (serialising, validating, logging).
 */
export function assertJsonDepth(text: string, maxDepth = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) {
        throw new InvalidPayloadError(
          `body nests objects/arrays deeper than ${maxDepth} levels (at character ${i}); Label Studio's events do not`,
        );
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** Parses JSON after bounding its depth, turning a syntax error into a 400 that says where. */
export function parseJson(body: Buffer | string): unknown {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') throw new InvalidPayloadError('empty body: expected a JSON object');
  assertJsonDepth(text);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidPayloadError(`body is not valid JSON: ${(error as Error).message}`);
  }
}

/** A zod failure as an InvalidPayloadError naming the JSON path of the first issue. */
export function zodToPayloadError(error: z.core.$ZodError, what: string): InvalidPayloadError {
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
      status: error.httpStatus,
      body: { status: error.httpStatus, error: error.message, detail: `${error.name}: ${error.message}` },
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

/**
 * The credentials of an `Authorization: <scheme> <credentials>` header when its scheme is `scheme` (compared
 * case-insensitively, as RFC 9110 says); undefined for any other scheme or for a header without one, so a bare secret
 * is never accepted as if it had a scheme.
 */
export function authorizationCredentials(header: string | undefined, scheme: 'basic' | 'bearer'): string | undefined {
  const match = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*) +(\S+) *$/.exec(header ?? '');
  if (!match || match[1]?.toLowerCase() !== scheme) return undefined;
  return match[2];
}

/** Checks an `Authorization: Basic …` header (any case of `Basic`) against a user and password. */
export function basicAuthMatches(header: string | undefined, user: string, pass: string): boolean {
  const credentials = authorizationCredentials(header, 'basic');
  if (credentials === undefined) return false;
  return safeEqual(Buffer.from(credentials, 'base64').toString('utf8'), `${user}:${pass}`);
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

/** How long a client may take and how many may be connected at once (defaults: 10 s, 30 s, 256). */
export interface ServerLimits {
  /** Time to receive the request headers (Node's default is 60 s, which lets slow clients hold sockets). */
  headersTimeoutMs?: number;
  /** Time to receive the whole request, body included (Node's default is 300 s). */
  requestTimeoutMs?: number;
  /** Connections held at once; further ones are refused until one closes. */
  maxConnections?: number;
}

/**
 * A Node HTTP server with ServerLimits applied. The timeouts are checked every second (Node's default check runs every
 * 30 s, which would let a slow client keep its socket that long whatever the timeouts say).
 */
export function createLimitedServer(listener: RequestListener, limits: ServerLimits = {}): Server {
  const headersTimeout = limits.headersTimeoutMs ?? 10_000;
  // A request timeout shorter than the headers timeout would make the latter meaningless.
  const requestTimeout = Math.max(headersTimeout, limits.requestTimeoutMs ?? 30_000);
  const server = createServer(
    { headersTimeout, requestTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout / 2) },
    listener,
  );
  server.maxConnections = limits.maxConnections ?? 256;
  return server;
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
