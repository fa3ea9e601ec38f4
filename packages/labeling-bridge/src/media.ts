import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { MediaFetchError, MediaRefusedError } from './errors.js';
import type { LabelStudioConnection } from './label-studio/connection.js';
import { hostAllowed, httpGet, readAll } from './net.js';

export interface MediaResolverOptions {
  /** Label Studio, for `/data/upload/…`, `/data/local-files/?d=…` and absolute URLs on its host (sent with its token). */
  labelStudio?: LabelStudioConnection;
  /** S3, for `s3://bucket/key` task data. */
  s3?: S3Client;
  /**
   * Buckets `s3://` images may come from (exact names). Empty or unset: none, so a task cannot make the bridge copy
   * an object from any bucket its role can read.
   */
  allowedBuckets?: readonly string[];
  /** Hosts plain http(s) images may come from (`cdn.example.com`, `*.example.com`, `host:port`). Empty: none. */
  allowedHosts?: readonly string[];
  /** Largest image accepted, bytes (default 20 MiB). */
  maxBytes?: number;
  /** Per-request timeout, ms (default 30 s). */
  timeoutMs?: number;
}

export type MediaLocation =
  | { kind: 's3'; bucket: string; key: string; url: string }
  | { kind: 'inline'; bytes: Uint8Array; contentType: string; url: string }
  | { kind: 'http'; url: URL; labelStudio: boolean };

export interface MediaStream {
  body: Readable;
  contentLength: number | undefined;
  contentType: string | undefined;
}

/** Raster image types accepted inline; SVG is refused because it can carry scripts. */
const RASTER_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/jpg',
  'image/gif',
  'image/webp',
  'image/bmp',
  'image/tiff',
  'image/avif',
]);

const SVG_REFUSED = 'SVG images are refused: they can carry scripts, and classification models take raster images';

/** Where task images come from, and the policy on which ones may be read at all. */
export class MediaResolver {
  readonly #options: MediaResolverOptions;
  readonly maxBytes: number;
  constructor(options: MediaResolverOptions) {
    this.#options = options;
    this.maxBytes = options.maxBytes ?? 20 * 2 ** 20;
  }

  /** Classifies a task data URL and applies the policy; throws MediaRefusedError for URLs that may not be read. */
  locate(raw: unknown): MediaLocation {
    if (typeof raw !== 'string' || raw.length === 0)
      throw new MediaRefusedError(
        typeof raw === 'string' ? raw : `(${Array.isArray(raw) ? 'array' : typeof raw})`,
        'the image value is not a non-empty string',
      );
    if (raw.startsWith('data:')) return this.#inline(raw);
    if (raw.length > 4096) throw new MediaRefusedError(raw.slice(0, 100), 'longer than 4096 characters');
    const ls = this.#options.labelStudio;
    if (raw.startsWith('s3://')) {
      const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(raw);
      if (!match) throw new MediaRefusedError(raw, 'expected s3://<bucket>/<key>');
      if (!this.#options.s3) throw new MediaRefusedError(raw, 'no S3 client configured for s3:// images');
      const bucket = match[1] as string;
      if (!(this.#options.allowedBuckets ?? []).includes(bucket)) {
        throw new MediaRefusedError(raw, `bucket ${bucket} is not in the allow-list (allowedBuckets)`);
      }
      let key: string;
      try {
        key = decodeURIComponent(match[2] as string);
      } catch {
        throw new MediaRefusedError(raw, 'the key is not valid percent-encoding');
      }
      if (/\.svgz?$/i.test(key)) throw new MediaRefusedError(raw, SVG_REFUSED);
      return { kind: 's3', bucket, key, url: raw };
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^https?:\/\//i.test(raw)) {
      throw new MediaRefusedError(
        raw,
        'only s3://, http(s)://, data:image/… and Label Studio paths (/data/upload/…) are supported',
      );
    }
    if (!/^https?:\/\//i.test(raw)) {
      if (!ls) throw new MediaRefusedError(raw, 'a Label Studio path needs labelStudio {url, token} configured');
      const normalised = raw.startsWith('upload/') ? `/data/${raw}` : raw;
      const url = ls.resolve(normalised);
      if (!ls.owns(url)) throw new MediaRefusedError(raw, 'the path leaves the Label Studio host');
      return { kind: 'http', url, labelStudio: true };
    }
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new MediaRefusedError(raw, 'not a valid URL');
    }
    if (url.username || url.password) throw new MediaRefusedError(raw, 'URLs with credentials are not accepted');
    if (ls?.owns(url)) return { kind: 'http', url, labelStudio: true };
    if (!hostAllowed(url, this.#options.allowedHosts ?? [])) {
      throw new MediaRefusedError(raw, `host ${url.host} is not in the allow-list (allowedHosts)`);
    }
    return { kind: 'http', url, labelStudio: false };
  }

  /** Label Studio accepts tasks with images inlined as base64 data URIs; they may be as large as the image limit. */
  #inline(raw: string): MediaLocation {
    const comma = raw.indexOf(',');
    const header = comma === -1 ? raw.slice(0, 100) : raw.slice(0, comma);
    const type = /^data:(image\/[a-z0-9.+-]+);base64$/i.exec(header)?.[1]?.toLowerCase();
    if (!type) {
      throw new MediaRefusedError(header, 'only base64 image data URIs (data:image/<type>;base64,…) are supported');
    }
    if (!RASTER_TYPES.has(type))
      throw new MediaRefusedError(header, type.includes('svg') ? SVG_REFUSED : `${type} is not a supported image type`);
    const encoded = raw.slice(comma + 1);
    if (encoded.length > Math.ceil(this.maxBytes / 3) * 4 + 1024) {
      throw new MediaRefusedError(header, `larger than the ${this.maxBytes}-byte image limit`);
    }
    if (!/^[A-Za-z0-9+/=\s]*$/.test(encoded)) throw new MediaRefusedError(header, 'the data is not base64');
    const bytes = new Uint8Array(Buffer.from(encoded, 'base64'));
    if (bytes.length > this.maxBytes) {
      throw new MediaRefusedError(header, `larger than the ${this.maxBytes}-byte image limit`);
    }
    return { kind: 'inline', bytes, contentType: type, url: `${header},…` };
  }

  /** Opens the image as a stream (with its length when known). Redirects are followed (3 at most) only to allowed hosts. */
  async open(raw: unknown): Promise<MediaStream> {
    const location = this.locate(raw);
    if (location.kind === 'inline') {
      return {
        body: Readable.from([Buffer.from(location.bytes)]),
        contentLength: location.bytes.length,
        contentType: location.contentType,
      };
    }
    if (location.kind === 's3') {
      const s3 = this.#options.s3 as S3Client;
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
        if (object.ContentLength !== undefined && object.ContentLength > this.maxBytes) {
          throw new MediaFetchError(location.url, `larger than the ${this.maxBytes}-byte image limit`, {
            httpStatus: 422,
          });
        }
        return { body: object.Body as Readable, contentLength: object.ContentLength, contentType: object.ContentType };
      } catch (error) {
        if (error instanceof MediaFetchError) throw error;
        const name = (error as { name?: string }).name ?? 'Error';
        throw new MediaFetchError(location.url, `${name}: ${(error as Error).message}`, {
          httpStatus: name === 'NoSuchKey' || name === 'NoSuchBucket' ? 422 : 502,
          cause: error,
        });
      }
    }
    let { url, labelStudio } = location;
    for (let hop = 0; hop <= 3; hop++) {
      const headers: Record<string, string> = { accept: 'image/*,*/*;q=0.5' };
      const ls = this.#options.labelStudio;
      if (labelStudio && ls) headers.authorization = await ls.authorization();
      let response = await httpGet(url, headers, this.#options.timeoutMs ?? 30_000);
      if (response.status === 401 && labelStudio && ls) {
        response.body.resume();
        headers.authorization = await ls.authorization(true);
        response = await httpGet(url, headers, this.#options.timeoutMs ?? 30_000);
      }
      if (response.status >= 300 && response.status < 400 && response.headers.location) {
        response.body.resume();
        const next = this.locate(new URL(response.headers.location, url).toString());
        if (next.kind !== 'http') throw new MediaRefusedError(url.toString(), 'redirect to a non-http location');
        ({ url, labelStudio } = next);
        continue;
      }
      if (response.status !== 200) {
        response.body.resume();
        throw new MediaFetchError(url.toString(), `HTTP ${response.status}`, {
          httpStatus: response.status === 404 || response.status === 403 || response.status === 401 ? 422 : 502,
        });
      }
      if (/svg/i.test(response.headers['content-type'] ?? '')) {
        response.body.destroy();
        throw new MediaFetchError(url.toString(), SVG_REFUSED, { httpStatus: 422 });
      }
      if (response.contentLength !== undefined && response.contentLength > this.maxBytes) {
        response.body.destroy();
        throw new MediaFetchError(url.toString(), `larger than the ${this.maxBytes}-byte image limit`, {
          httpStatus: 422,
        });
      }
      return {
        body: response.body,
        contentLength: response.contentLength,
        contentType: response.headers['content-type'],
      };
    }
    throw new MediaFetchError(location.url.toString(), 'more than 3 redirects', { httpStatus: 422 });
  }

  /** Reads the whole image into memory (bounded by maxBytes). */
  async read(raw: unknown): Promise<Uint8Array> {
    if (typeof raw === 'string' && raw.startsWith('data:')) {
      const location = this.locate(raw);
      if (location.kind === 'inline') return location.bytes;
    }
    const stream = await this.open(raw);
    return readAll(stream.body, this.maxBytes, typeof raw === 'string' ? raw : '');
  }
}

/** The file name of an image URL, safe as the last part of an S3 key (`/data/upload/3/ab12-cat 1.jpg` → `ab12-cat_1.jpg`). */
export function mediaFileName(raw: string): string {
  let name = '';
  try {
    const url = new URL(raw, 'http://relative.invalid');
    const fromQuery = url.searchParams.get('d') ?? url.searchParams.get('filepath');
    name = (fromQuery ?? decodeURIComponent(url.pathname)).split(/[/\\]/).pop() ?? '';
  } catch {
    name = raw.split(/[/\\?#]/).pop() ?? '';
  }
  if (raw.startsWith('s3://')) name = raw.split('/').pop() ?? '';
  if (raw.startsWith('data:')) name = `inline.${/^data:image\/([a-z0-9]+)/i.exec(raw)?.[1]?.toLowerCase() ?? 'img'}`;
  const safe = name
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '')
    .slice(-120);
  return safe || 'image';
}
