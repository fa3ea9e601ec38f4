import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import { MediaFetchError, MediaRefusedError } from './errors.js';

/**
 * Addresses no image URL may reach, whatever the allow-list says: link-local (which holds the EC2/ECS/Lambda
 * metadata services), the unspecified address and multicast.
 */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return a === 0 || (a === 169 && b === 254) || a >= 224;
  }
  if (family === 6) {
    const lower = address.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped?.[1]) return isForbiddenAddress(mapped[1]);
    return (
      lower === '::' ||
      /^fe[89ab][0-9a-f]:/.test(lower) || // fe80::/10 link-local
      lower.startsWith('ff') || // multicast
      lower.startsWith('fd00:ec2:') // EC2 IPv6 metadata
    );
  }
  return true;
}

/** True when `host` (a hostname, optionally with :port) matches an allow-list entry (`example.com`, `*.example.com`, `host:port`). */
export function hostAllowed(url: URL, allowedHosts: readonly string[]): boolean {
  const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return allowedHosts.some((entry) => {
    const e = entry.toLowerCase();
    if (e.includes(':') && !e.startsWith('[') && isIP(e) !== 6)
      return e === `${hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
    if (e.startsWith('*.')) return hostname.endsWith(e.slice(1));
    return e.replace(/^\[|\]$/g, '') === hostname;
  });
}

/** A DNS lookup that refuses forbidden addresses, so a name cannot be re-pointed at the metadata service between check and connect. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const list = (addresses as unknown as LookupAddress[]).filter((a) => !isForbiddenAddress(a.address));
    if (list.length === 0) {
      const refused = Object.assign(new Error(`${hostname} resolves only to link-local/metadata addresses`), {
        code: 'EFORBIDDENADDR',
      });
      return callback(refused, '', 0);
    }
    if ((options as { all?: boolean }).all)
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    const first = list[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
};

export interface HttpStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Readable;
  contentLength: number | undefined;
}

/** GET a URL with node:http(s) through the guarded lookup; no redirects are followed here (the caller decides). */
export function httpGet(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<HttpStream> {
  if (isIP(url.hostname.replace(/^\[|\]$/g, '')) && isForbiddenAddress(url.hostname.replace(/^\[|\]$/g, ''))) {
    return Promise.reject(new MediaRefusedError(url.toString(), 'link-local and metadata addresses are never fetched'));
  }
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = lib.get(url, { headers, lookup: guardedLookup, timeout: timeoutMs }, (response) => {
      const length = response.headers['content-length'];
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        body: response,
        contentLength: length === undefined ? undefined : Number(length),
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EFORBIDDENADDR') reject(new MediaRefusedError(url.toString(), error.message));
      else reject(new MediaFetchError(url.toString(), error.message, { cause: error }));
    });
  });
}

/** Reads a stream fully, failing once it passes `maxBytes`. */
export async function readAll(body: Readable, maxBytes: number, url: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) {
      body.destroy();
      throw new MediaFetchError(url, `larger than the ${maxBytes}-byte image limit`, { httpStatus: 422 });
    }
    chunks.push(buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
