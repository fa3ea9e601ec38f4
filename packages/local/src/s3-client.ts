import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  NotFound,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import { CommandTable } from './dispatch.js';
import { metadata, s3Error } from './errors.js';
import type { LocalS3Store } from './s3.js';
import {
  bodyToBytes,
  checkReadConditions,
  noSuchKey,
  parseRange,
  preconditionFailed,
  stripQuotes,
} from './s3-requests.js';

/**
 * An S3Client whose send() serves the commands from the local state folder. It is a real S3Client subclass,
 * so it can be passed anywhere an S3Client is expected.
 */
export class LocalS3Client extends S3Client {
  readonly store: LocalS3Store;

  constructor(store: LocalS3Store, config: S3ClientConfig = {}) {
    super({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...config });
    this.store = store;
    const commands = s3Commands(store);
    // Replacing send on the instance keeps the SDK's typed overloads for callers. Inputs are not stored, so
    // request bodies are not copied.
    this.send = ((command: unknown, optionsOrCb?: unknown, cb?: unknown) =>
      commands.send(command, optionsOrCb, cb, false)) as S3Client['send'];
  }
}

function s3Commands(s: LocalS3Store): CommandTable {
  const table = new CommandTable('LocalS3Client');
  table.on(CreateBucketCommand, async ({ Bucket }) => {
    await s.createBucket(Bucket ?? '');
    return { $metadata: metadata(200), Location: `/${Bucket}` };
  });
  table.on(HeadBucketCommand, async ({ Bucket = '' }) => {
    if (!(await s.bucketExists(Bucket)))
      throw new NotFound({ $metadata: metadata(404), message: `Bucket ${Bucket} not found` });
    return { $metadata: metadata(200), BucketRegion: 'us-east-1' };
  });
  table.on(ListBucketsCommand, async () => ({
    $metadata: metadata(200),
    Buckets: (await s.listBuckets()).map((b) => ({ Name: b.name, CreationDate: b.created })),
    Owner: { ID: 'local' },
  }));
  table.on(DeleteBucketCommand, async ({ Bucket = '' }) => {
    await s.deleteBucket(Bucket);
    return { $metadata: metadata(204) };
  });
  table.on(PutObjectCommand, async (input) => {
    const info = await s.put(input.Bucket ?? '', input.Key ?? '', await bodyToBytes(input.Body), {
      contentType: input.ContentType,
      metadata: input.Metadata,
      ifNoneMatch: input.IfNoneMatch,
      ifMatch: input.IfMatch,
    });
    return { $metadata: metadata(200), ETag: info.etag };
  });
  table.on(GetObjectCommand, async (input) => {
    const { Bucket: bucket = '', Key: key = '' } = input;
    await s.requireBucket(bucket);
    const info = await s.stat(bucket, key);
    if (!info) throw noSuchKey(bucket, key);
    checkReadConditions(bucket, key, info, input);
    const bytes = await s.read(bucket, key);
    const range = parseRange(input.Range, bytes.length);
    const slice = range ? bytes.subarray(range[0], range[1] + 1) : bytes;
    return {
      $metadata: metadata(range ? 206 : 200),
      Body: sdkStreamMixin(Readable.from([slice])),
      ContentLength: slice.length,
      ...(range ? { ContentRange: `bytes ${range[0]}-${range[1]}/${bytes.length}` } : {}),
      ContentType: info.contentType,
      ETag: info.etag,
      LastModified: info.lastModified,
      Metadata: info.metadata,
      AcceptRanges: 'bytes',
    };
  });
  table.on(HeadObjectCommand, async (input) => {
    const { Bucket: bucket = '', Key: key = '' } = input;
    await s.requireBucket(bucket);
    const info = await s.stat(bucket, key);
    if (!info) throw new NotFound({ $metadata: metadata(404), message: `Not Found: s3://${bucket}/${key}` });
    checkReadConditions(bucket, key, info, input);
    return {
      $metadata: metadata(200),
      ContentLength: info.size,
      ContentType: info.contentType,
      ETag: info.etag,
      LastModified: info.lastModified,
      Metadata: info.metadata,
    };
  });
  table.on(CopyObjectCommand, async (input) => {
    const source = decodeURIComponent(String(input.CopySource ?? '').replace(/^\//, ''));
    const slash = source.indexOf('/');
    if (slash < 1)
      throw s3Error('InvalidArgument', `CopySource "${String(input.CopySource)}" must be "bucket/key".`, 400);
    const srcBucket = source.slice(0, slash);
    const srcKey = source.slice(slash + 1).split('?versionId=')[0] as string;
    const srcInfo = await s.stat(srcBucket, srcKey);
    await s.requireBucket(srcBucket);
    if (!srcInfo) throw noSuchKey(srcBucket, srcKey);
    if (input.CopySourceIfMatch !== undefined && stripQuotes(srcInfo.etag) !== stripQuotes(input.CopySourceIfMatch)) {
      throw preconditionFailed(srcBucket, srcKey, 'x-amz-copy-source-if-match');
    }
    if (
      input.CopySourceIfNoneMatch !== undefined &&
      stripQuotes(srcInfo.etag) === stripQuotes(input.CopySourceIfNoneMatch)
    ) {
      throw preconditionFailed(srcBucket, srcKey, 'x-amz-copy-source-if-none-match');
    }
    const replace = input.MetadataDirective === 'REPLACE';
    const info = await s.put(input.Bucket ?? '', input.Key ?? '', await s.read(srcBucket, srcKey), {
      contentType: replace ? input.ContentType : srcInfo.contentType,
      metadata: replace ? input.Metadata : srcInfo.metadata,
      ifNoneMatch: input.IfNoneMatch,
      ifMatch: input.IfMatch,
    });
    return { $metadata: metadata(200), CopyObjectResult: { ETag: info.etag, LastModified: info.lastModified } };
  });
  table.on(DeleteObjectCommand, async (input) => {
    await s.delete(input.Bucket ?? '', input.Key ?? '', input.IfMatch);
    return { $metadata: metadata(204) };
  });
  table.on(DeleteObjectsCommand, async (input) => {
    const objects = input.Delete?.Objects ?? [];
    for (const object of objects) await s.delete(input.Bucket ?? '', object.Key ?? '');
    return { $metadata: metadata(200), Deleted: objects.map((o) => ({ Key: o.Key })) };
  });
  table.on(ListObjectsV2Command, (input) => listObjectsV2(s, input));
  return table;
}

async function listObjectsV2(
  store: LocalS3Store,
  input: ListObjectsV2CommandInput,
): Promise<ListObjectsV2CommandOutput> {
  const bucket = input.Bucket ?? '';
  const prefix = input.Prefix ?? '';
  const delimiter = input.Delimiter;
  const maxKeys = Math.min(input.MaxKeys ?? 1000, 1000);
  const token = input.ContinuationToken;
  let after = input.StartAfter ?? '';
  if (token) after = Buffer.from(token, 'base64url').toString('utf8');
  const all = await store.keys(bucket, prefix);
  // Entries are objects or common prefixes (rolled up at the delimiter), in key order.
  const entries: { key: string; prefix?: string }[] = [];
  const seenPrefixes = new Set<string>();
  for (const key of all) {
    if (delimiter) {
      const index = key.indexOf(delimiter, prefix.length);
      if (index >= 0) {
        const common = key.slice(0, index + delimiter.length);
        if (!seenPrefixes.has(common)) {
          seenPrefixes.add(common);
          entries.push({ key: common, prefix: common });
        }
        continue;
      }
    }
    entries.push({ key });
  }
  const remaining = entries.filter((entry) => Buffer.compare(Buffer.from(entry.key), Buffer.from(after)) > 0);
  const page = maxKeys > 0 ? remaining.slice(0, maxKeys) : [];
  const truncated = remaining.length > page.length;
  const contents = [];
  for (const entry of page.filter((e) => !e.prefix)) {
    const info = await store.stat(bucket, entry.key);
    if (info)
      contents.push({
        Key: entry.key,
        Size: info.size,
        ETag: info.etag,
        LastModified: info.lastModified,
        StorageClass: 'STANDARD' as const,
      });
  }
  const commonPrefixes = page.filter((e) => e.prefix).map((e) => ({ Prefix: e.prefix }));
  const last = page[page.length - 1];
  return {
    $metadata: metadata(200),
    Name: bucket,
    Prefix: prefix,
    ...(delimiter ? { Delimiter: delimiter } : {}),
    MaxKeys: maxKeys,
    KeyCount: page.length,
    IsTruncated: truncated,
    ...(contents.length > 0 ? { Contents: contents } : {}),
    ...(commonPrefixes.length > 0 ? { CommonPrefixes: commonPrefixes } : {}),
    ...(token ? { ContinuationToken: token } : {}),
    ...(input.StartAfter ? { StartAfter: input.StartAfter } : {}),
    ...(truncated && last ? { NextContinuationToken: Buffer.from(last.key).toString('base64url') } : {}),
  };
}
