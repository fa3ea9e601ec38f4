import { NoSuchKey } from '@aws-sdk/client-s3';
import { LocalModeError, metadata, s3Error } from './errors.js';
import type { S3ObjectInfo } from './s3.js';

/** What S3 requests mean, apart from where objects are kept: ETags, conditions, ranges, bodies and their errors. */

export function stripQuotes(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '');
}

export function noSuchKey(bucket: string, key: string): NoSuchKey {
  return new NoSuchKey({
    $metadata: metadata(404),
    message: `The specified key does not exist: s3://${bucket}/${key}`,
  });
}

export function preconditionFailed(bucket: string, key: string, why: string) {
  return s3Error(
    'PreconditionFailed',
    `At least one of the pre-conditions you specified did not hold (s3://${bucket}/${key}: ${why})`,
    412,
  );
}

export async function bodyToBytes(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (typeof Blob !== 'undefined' && body instanceof Blob) return new Uint8Array(await body.arrayBuffer());
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>)
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks);
  }
  throw new LocalModeError(
    `Unsupported Body type ${Object.prototype.toString.call(body)}: pass a string, Uint8Array, Buffer, Blob or readable stream.`,
  );
}

export function checkReadConditions(
  bucket: string,
  key: string,
  info: S3ObjectInfo,
  input: { IfMatch?: string; IfNoneMatch?: string },
): void {
  if (input.IfMatch !== undefined && stripQuotes(info.etag) !== stripQuotes(input.IfMatch)) {
    throw preconditionFailed(bucket, key, `If-Match ${String(input.IfMatch)}`);
  }
  if (
    input.IfNoneMatch !== undefined &&
    (input.IfNoneMatch === '*' || stripQuotes(info.etag) === stripQuotes(input.IfNoneMatch))
  ) {
    // S3 answers 304 Not Modified here.
    throw s3Error('NotModified', 'Not Modified', 304);
  }
}

export function parseRange(range: string | undefined, size: number): [number, number] | undefined {
  if (!range) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(range);
  if (!match) return undefined;
  const [, a, b] = match;
  if (a === '' && b) return [Math.max(0, size - Number(b)), size - 1];
  const start = Number(a);
  const end = b ? Math.min(Number(b), size - 1) : size - 1;
  if (start >= size)
    throw s3Error('InvalidRange', `The requested range ${range} is not satisfiable (size ${size}).`, 416);
  return [start, end];
}
