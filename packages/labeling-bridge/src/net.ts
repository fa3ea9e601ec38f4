import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressBytes, isForbiddenAddress } from './address.js';
import type { Readable } from 'node:stream';
import { MediaFetchError, MediaRefusedError } from './errors.js';

export { hostAllowed, isForbiddenAddress } from './address.js';

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

/**
 * GET a URL with node:http(s) through the guarded lookup; no redirects are followed here (the caller decides).
 * `timeoutMs` bounds every wait for data, before and during the body: a host that stops sending fails the body's
 * stream with a MediaFetchError 504, any other failure of the connection is a 502.
 */
export function httpGet(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<HttpStream> {
  if (addressBytes(url.hostname) && isForbiddenAddress(url.hostname)) {
    return Promise.reject(new MediaRefusedError(url.toString(), 'link-local and metadata addresses are never fetched'));
  }
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let response: http.IncomingMessage | undefined;
    const request = lib.get(url, { headers, lookup: guardedLookup, timeout: timeoutMs }, (res) => {
      response = res;
      res.on('error', () => undefined); // the reader sees the error through the stream it iterates
      const length = res.headers['content-length'];
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: res,
        contentLength: length === undefined ? undefined : Number(length),
      });
    });
    request.on('timeout', () => {
      const stalled = new MediaFetchError(
        url.toString(),
        response ? `the host stopped sending for ${timeoutMs} ms` : `no answer within ${timeoutMs} ms`,
        { httpStatus: 504 },
      );
      response?.destroy(stalled);
      request.destroy(stalled);
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof MediaFetchError) reject(error);
      else if (error.code === 'EFORBIDDENADDR') reject(new MediaRefusedError(url.toString(), error.message));
      else reject(new MediaFetchError(url.toString(), error.message, { cause: error }));
    });
  });
}

/** Reads a stream fully, failing once it passes `maxBytes`; a failing source is a MediaFetchError (502, or 504). */
export async function readAll(body: Readable, maxBytes: number, url: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > maxBytes) {
        body.destroy();
        throw new MediaFetchError(url, `larger than the ${maxBytes}-byte image limit`, { httpStatus: 422 });
      }
      chunks.push(buffer);
    }
  } catch (error) {
    throw asMediaFetchError(error, url);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** A failure while reading an image source, as the MediaFetchError the adapters answer with (502 unless typed). */
export function asMediaFetchError(error: unknown, url: string): MediaFetchError | MediaRefusedError {
  if (error instanceof MediaFetchError || error instanceof MediaRefusedError) return error;
  return new MediaFetchError(url, `the transfer failed: ${(error as Error).message}`, { cause: error });
}
