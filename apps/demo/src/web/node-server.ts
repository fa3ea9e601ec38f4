import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebHandler } from './handler.js';

export interface RunningWebServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves a web handler over node:http. Bodies are read only up to `maxBodyBytes`; beyond that the
 * handler sees the declared length and answers 413 without the server buffering the whole upload.
 */
export async function startWebServer(options: {
  handler: WebHandler;
  port?: number;
  host?: string;
  maxBodyBytes: number;
}): Promise<RunningWebServer> {
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = await readBody(req, options.maxBodyBytes);
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers))
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      if (body.truncated && !headers['content-length']) headers['content-length'] = String(body.total);
      const response = await options.handler({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers,
        body: body.bytes,
      });
      // An unread upload would keep the socket busy; close it after answering.
      if (body.truncated) res.setHeader('connection', 'close');
      res.writeHead(response.status, response.headers);
      res.end(response.body);
    })().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Buffers at most `limit` bytes; the rest of an oversized upload is drained, not kept. */
function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ bytes: Uint8Array; truncated: boolean; total: number }> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      resolve({ bytes: new Uint8Array(0), truncated: true, total: declared });
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve({ bytes: Buffer.concat(chunks), truncated: total > limit, total }));
    req.on('error', reject);
  });
}
