import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BridgeConfigError, InvalidPayloadError } from '../errors.js';

/** The data lake: a bucket and a key prefix under which the bridge writes everything. */
export interface Lake {
  bucket: string;
  /** '' or a prefix ending in '/'. */
  prefix: string;
  /** `s3://bucket/prefix` as passed to the pipeline. */
  uri: string;
}

export function parseLake(uri: string): Lake {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match)
    throw new BridgeConfigError(`lake ${JSON.stringify(uri)} is not an S3 URI; expected s3://<bucket>[/<prefix>]`);
  const rawPrefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (rawPrefix.split('/').some((part) => part === '..' || part === '.')) {
    throw new BridgeConfigError(`lake ${JSON.stringify(uri)}: the prefix may not contain "." or ".." segments`);
  }
  const prefix = rawPrefix ? `${rawPrefix}/` : '';
  return { bucket: match[1] as string, prefix, uri: `s3://${match[1]}/${rawPrefix}`.replace(/\/$/, '') };
}

/** A key under the lake prefix; refuses any part that could climb out of it. */
export function lakeKey(lake: Lake, ...parts: Array<string | number>): string {
  for (const part of parts) {
    const text = String(part);
    if (text === '' || text.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) {
      throw new InvalidPayloadError(`refusing lake key part ${JSON.stringify(text.slice(0, 200))}`);
    }
  }
  return `${lake.prefix}${parts.join('/')}`;
}

function errorName(error: unknown): string {
  return (error as { name?: string }).name ?? '';
}

function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

export function isPreconditionFailed(error: unknown): boolean {
  return (
    errorName(error) === 'PreconditionFailed' ||
    httpStatusOf(error) === 412 ||
    errorName(error) === 'ConditionalRequestConflict' ||
    httpStatusOf(error) === 409
  );
}

export function isNotFound(error: unknown): boolean {
  return errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound' || httpStatusOf(error) === 404;
}

export async function getJson<T>(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ value: T; etag: string | undefined } | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await (object.Body as { transformToString(): Promise<string> }).transformToString();
    return { value: JSON.parse(text) as T, etag: object.ETag };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Writes JSON; with `ifNoneMatch` only when the key does not exist yet (returns false when it did). */
export async function putJson(
  s3: S3Client,
  bucket: string,
  key: string,
  value: unknown,
  condition: { ifNoneMatch?: true; ifMatch?: string } = {},
): Promise<boolean> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
        ...(condition.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
        ...(condition.ifMatch ? { IfMatch: condition.ifMatch } : {}),
      }),
    );
    return true;
  } catch (error) {
    if ((condition.ifNoneMatch || condition.ifMatch) && isPreconditionFailed(error)) return false;
    throw error;
  }
}

/** Every key under a prefix (paginated). */
export async function listKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<Array<{ key: string; etag?: string; lastModified?: Date }>> {
  const keys: Array<{ key: string; etag?: string; lastModified?: Date }> = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (object.Key) keys.push({ key: object.Key, etag: object.ETag, lastModified: object.LastModified });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/**
 * Serialises async work per key inside one process. S3 conditional writes already make claims atomic across
 * processes (Lambda instances); this also keeps claims exact against emulators whose check-then-write is not atomic.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(fn);
    this.#tails.set(key, current);
    try {
      return await current;
    } finally {
      if (this.#tails.get(key) === current) this.#tails.delete(key);
    }
  }
}
