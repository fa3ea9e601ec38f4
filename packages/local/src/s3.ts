import { createHash } from 'node:crypto';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { NoSuchBucket, NoSuchKey, NotFound, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import { LocalModeError, LocalModeUnsupportedCommandError, metadata, s3Error } from './errors.js';
import { readJson, uniqueSuffix, withFileLock, writeFileAtomic } from './fsutil.js';

interface ObjectMeta {
  etag: string;
  size: number;
  mtimeMs: number;
  contentType?: string;
  metadata?: Record<string, string>;
}

export interface S3ObjectInfo {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
  contentType: string;
  metadata: Record<string, string>;
}

export interface ParsedS3Uri {
  bucket: string;
  key: string;
}

export function parseS3Uri(uri: string): ParsedS3Uri {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new LocalModeError(`"${uri}" is not an S3 URI; expected s3://bucket/key`);
  return { bucket: match[1] as string, key: match[2] as string };
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The local object store: s3://bucket/key is the file <stateDir>/s3/bucket/key, so jobs and people can read
 * it directly. Content type, user metadata and the ETag live in a side file under <stateDir>/s3-meta.
 * Every write takes a per-key lock file and renames a finished temporary file into place.
 */
export class LocalS3Store {
  readonly root: string;
  private readonly metaRoot: string;
  private readonly lockRoot: string;
  private readonly tmpDir: string;

  constructor(stateDir: string) {
    this.root = join(stateDir, 's3');
    this.metaRoot = join(stateDir, 's3-meta');
    this.lockRoot = join(stateDir, 'locks', 's3');
    this.tmpDir = join(stateDir, 'tmp');
  }

  bucketPath(bucket: string): string {
    if (!BUCKET_NAME.test(bucket)) {
      throw s3Error(
        'InvalidBucketName',
        `The bucket name "${bucket}" is not valid: use 3-63 lowercase letters, digits, dots and hyphens.`,
        400,
      );
    }
    return join(this.root, bucket);
  }

  objectPath(bucket: string, key: string): string {
    const segments = key.split('/');
    const trailing = key.endsWith('/');
    const checked = trailing ? segments.slice(0, -1) : segments;
    if (key === '' || checked.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      throw s3Error(
        'InvalidRequest',
        `Local mode cannot store the key "${key}": empty, "." and ".." path segments have no file equivalent. Use keys like "a/b/c.txt".`,
        400,
      );
    }
    return join(this.bucketPath(bucket), ...checked);
  }

  private metaPath(bucket: string, key: string): string {
    return `${join(this.metaRoot, bucket, ...key.split('/').filter(Boolean))}.__meta.json`;
  }

  private lockPath(bucket: string, key: string): string {
    return join(this.lockRoot, `${bucket}-${createHash('sha1').update(key).digest('hex')}.lock`);
  }

  async createBucket(bucket: string): Promise<void> {
    await fs.mkdir(this.bucketPath(bucket), { recursive: true });
  }

  async bucketExists(bucket: string): Promise<boolean> {
    try {
      return (await fs.stat(this.bucketPath(bucket))).isDirectory();
    } catch {
      return false;
    }
  }

  async listBuckets(): Promise<{ name: string; created: Date }[]> {
    try {
      const entries = await fs.readdir(this.root, { withFileTypes: true });
      const buckets = [];
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        const stat = await fs.stat(join(this.root, entry.name));
        buckets.push({ name: entry.name, created: stat.birthtime });
      }
      return buckets.sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return [];
    }
  }

  async deleteBucket(bucket: string): Promise<void> {
    await this.requireBucket(bucket);
    const entries = await fs.readdir(this.bucketPath(bucket));
    if (entries.length > 0)
      throw s3Error('BucketNotEmpty', `The bucket "${bucket}" is not empty; delete its objects first.`, 409);
    await fs.rmdir(this.bucketPath(bucket));
  }

  async requireBucket(bucket: string): Promise<void> {
    if (!(await this.bucketExists(bucket))) {
      throw new NoSuchBucket({ $metadata: metadata(404), message: `The specified bucket does not exist: ${bucket}` });
    }
  }

  /** Object info, or undefined when the key does not exist. */
  async stat(bucket: string, key: string): Promise<S3ObjectInfo | undefined> {
    const path = this.objectPath(bucket, key);
    let stats: Stats;
    try {
      stats = await fs.stat(path);
    } catch {
      return undefined;
    }
    if (!stats.isFile()) return undefined;
    let meta = await readJson<ObjectMeta>(this.metaPath(bucket, key));
    if (!meta || meta.size !== stats.size || Math.abs(meta.mtimeMs - stats.mtimeMs) > 1) {
      // Written directly into the folder (by a job or a person): compute the ETag from the bytes.
      meta = { ...meta, etag: await md5File(path), size: stats.size, mtimeMs: stats.mtimeMs };
    }
    return {
      key,
      size: stats.size,
      etag: `"${meta.etag}"`,
      lastModified: stats.mtime,
      contentType: meta.contentType ?? 'application/octet-stream',
      metadata: meta.metadata ?? {},
    };
  }

  async read(bucket: string, key: string): Promise<Buffer> {
    await this.requireBucket(bucket);
    try {
      const path = this.objectPath(bucket, key);
      if ((await fs.stat(path)).isFile()) return await fs.readFile(path);
    } catch {
      // fall through to NoSuchKey
    }
    throw noSuchKey(bucket, key);
  }

  /**
   * Puts an object. ifNoneMatch '*' fails with 412 when the key exists; ifMatch fails with 412 when the
   * current ETag differs (NoSuchKey when absent). The check and the write happen under the key's lock,
   * so among concurrent conditional writers (threads or processes) exactly one wins.
   */
  async put(
    bucket: string,
    key: string,
    body: Uint8Array,
    options: { contentType?: string; metadata?: Record<string, string>; ifNoneMatch?: string; ifMatch?: string } = {},
  ): Promise<S3ObjectInfo> {
    await this.requireBucket(bucket);
    const path = this.objectPath(bucket, key);
    if (options.ifNoneMatch !== undefined && options.ifNoneMatch !== '*') {
      throw s3Error('NotImplemented', 'PutObject supports If-None-Match only with the value "*".', 501);
    }
    return withFileLock(this.lockPath(bucket, key), async () => {
      if (options.ifNoneMatch === '*' || options.ifMatch !== undefined) {
        const current = await this.stat(bucket, key);
        if (options.ifNoneMatch === '*' && current)
          throw preconditionFailed(bucket, key, 'If-None-Match: * and the object exists');
        if (options.ifMatch !== undefined) {
          if (!current) throw noSuchKey(bucket, key);
          if (stripQuotes(current.etag) !== stripQuotes(options.ifMatch)) {
            throw preconditionFailed(
              bucket,
              key,
              `If-Match ${options.ifMatch} and the current ETag is ${current.etag}`,
            );
          }
        }
      }
      if (key.endsWith('/')) {
        // A "folder" marker: a directory is the only file-system equivalent.
        await fs.mkdir(path, { recursive: true });
        return {
          key,
          size: 0,
          etag: `"${md5(body)}"`,
          lastModified: new Date(),
          contentType: options.contentType ?? 'application/x-directory',
          metadata: {},
        };
      }
      await this.ensureParentIsFolder(bucket, key);
      await writeFileAtomic(path, body, this.tmpDir);
      const stats = await fs.stat(path);
      const meta: ObjectMeta = { etag: md5(body), size: stats.size, mtimeMs: stats.mtimeMs };
      if (options.contentType) meta.contentType = options.contentType;
      if (options.metadata && Object.keys(options.metadata).length > 0) meta.metadata = options.metadata;
      await writeFileAtomic(this.metaPath(bucket, key), JSON.stringify(meta), this.tmpDir);
      return {
        key,
        size: stats.size,
        etag: `"${meta.etag}"`,
        lastModified: stats.mtime,
        contentType: meta.contentType ?? 'application/octet-stream',
        metadata: meta.metadata ?? {},
      };
    });
  }

  private async ensureParentIsFolder(bucket: string, key: string): Promise<void> {
    const parts = key.split('/');
    let current = this.bucketPath(bucket);
    for (const part of parts.slice(0, -1)) {
      current = join(current, part);
      try {
        if ((await fs.stat(current)).isFile()) {
          throw s3Error(
            'InvalidRequest',
            `Local mode cannot store "${key}" because the key "${relative(this.bucketPath(bucket), current).split(sep).join('/')}" exists as an object and a file cannot also be a folder. Use a different key.`,
            400,
          );
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
    }
  }

  async delete(bucket: string, key: string, ifMatch?: string): Promise<void> {
    await this.requireBucket(bucket);
    await withFileLock(this.lockPath(bucket, key), async () => {
      if (ifMatch !== undefined) {
        const current = await this.stat(bucket, key);
        if (!current) throw noSuchKey(bucket, key);
        if (stripQuotes(current.etag) !== stripQuotes(ifMatch))
          throw preconditionFailed(bucket, key, `If-Match ${ifMatch}`);
      }
      const path = this.objectPath(bucket, key);
      if (key.endsWith('/')) {
        // A folder marker: the folder goes only if no object lives under it.
        await fs.rmdir(path).catch(() => undefined);
      } else {
        await fs.rm(path, { force: true });
      }
      await fs.rm(this.metaPath(bucket, key), { force: true });
      await this.pruneEmptyFolders(bucket, dirname(path));
    });
  }

  private async pruneEmptyFolders(bucket: string, folder: string): Promise<void> {
    const top = this.bucketPath(bucket);
    let current = folder;
    while (current.startsWith(top + sep)) {
      try {
        await fs.rmdir(current);
      } catch {
        return;
      }
      current = dirname(current);
    }
  }

  /** All keys of a bucket under a prefix, sorted (S3 lists keys in UTF-8 byte order). */
  async keys(bucket: string, prefix = ''): Promise<string[]> {
    await this.requireBucket(bucket);
    const top = this.bucketPath(bucket);
    // Walk only the folder the prefix points into.
    const slash = prefix.lastIndexOf('/');
    const startDir = slash >= 0 ? join(top, ...prefix.slice(0, slash).split('/').filter(Boolean)) : top;
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        const key = relative(top, full).split(sep).join('/');
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(full);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          found.push(key);
        }
      }
    };
    await walk(startDir);
    return found.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** Copies every object under s3://bucket/prefix into a local folder (or a single object to a file). */
  async downloadTo(uri: string, target: string): Promise<number> {
    const { bucket, key } = parseS3Uri(uri);
    await this.requireBucket(bucket);
    const single = key !== '' && !key.endsWith('/') ? await this.stat(bucket, key) : undefined;
    if (single) {
      await fs.mkdir(target, { recursive: true });
      await fs.copyFile(this.objectPath(bucket, key), join(target, key.split('/').pop() as string));
      return 1;
    }
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    const keys = await this.keys(bucket, prefix);
    await fs.mkdir(target, { recursive: true });
    for (const k of keys) {
      const dest = join(target, ...k.slice(prefix.length).split('/'));
      await fs.mkdir(dirname(dest), { recursive: true });
      await fs.copyFile(this.objectPath(bucket, k), dest);
    }
    return keys.length;
  }

  /** Uploads a local folder's files under s3://bucket/prefix (or a single file to the key). */
  async uploadFrom(source: string, uri: string): Promise<number> {
    const { bucket, key } = parseS3Uri(uri);
    await this.createBucket(bucket);
    const stats = await fs.stat(source);
    if (stats.isFile()) {
      await this.put(bucket, key, await fs.readFile(source));
      return 1;
    }
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    let count = 0;
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) {
          await this.put(bucket, prefix + relative(source, full).split(sep).join('/'), await fs.readFile(full));
          count += 1;
        }
      }
    };
    await walk(source);
    return count;
  }

  async readUri(uri: string): Promise<Buffer> {
    const { bucket, key } = parseS3Uri(uri);
    return this.read(bucket, key);
  }

  async writeUri(uri: string, body: Uint8Array | string): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    await this.createBucket(bucket);
    await this.put(bucket, key, typeof body === 'string' ? Buffer.from(body) : body);
  }

  newTempPath(label: string): string {
    return join(this.tmpDir, `${label}-${uniqueSuffix()}`);
  }
}

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

function md5File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

function stripQuotes(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '');
}

function noSuchKey(bucket: string, key: string): NoSuchKey {
  return new NoSuchKey({
    $metadata: metadata(404),
    message: `The specified key does not exist: s3://${bucket}/${key}`,
  });
}

function preconditionFailed(bucket: string, key: string, why: string) {
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

type Input = Record<string, unknown>;

export function commandName(command: unknown): string {
  const ctor = (command as { constructor?: { name?: string } })?.constructor;
  return ctor?.name ?? 'UnknownCommand';
}

/** The commands' input, whatever the SDK command object looks like. */
export function commandInput(command: unknown): Input {
  return ((command as { input?: Input }).input ?? {}) as Input;
}

/**
 * An S3Client whose send() serves the commands from the local state folder. It is a real S3Client subclass,
 * so it can be passed anywhere an S3Client is expected.
 */
export class LocalS3Client extends S3Client {
  readonly store: LocalS3Store;

  constructor(store: LocalS3Store, config: S3ClientConfig = {}) {
    super({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...config });
    this.store = store;
    // Replacing send on the instance keeps the SDK's typed overloads for callers.
    this.send = ((command: unknown, optionsOrCb?: unknown, cb?: unknown) => {
      const callback = (typeof optionsOrCb === 'function' ? optionsOrCb : cb) as
        | ((e: unknown, r?: unknown) => void)
        | undefined;
      const promise = this.handle(command);
      if (callback) {
        promise.then(
          (result) => callback(null, result),
          (error: unknown) => callback(error),
        );
        return undefined;
      }
      return promise;
    }) as S3Client['send'];
  }

  private async handle(command: unknown): Promise<unknown> {
    const name = commandName(command).replace(/Command$/, '');
    const input = commandInput(command);
    const s = this.store;
    const bucket = input.Bucket as string;
    const key = input.Key as string;
    switch (name) {
      case 'CreateBucket':
        await s.createBucket(bucket);
        return { $metadata: metadata(200), Location: `/${bucket}` };
      case 'HeadBucket':
        if (!(await s.bucketExists(bucket)))
          throw new NotFound({ $metadata: metadata(404), message: `Bucket ${bucket} not found` });
        return { $metadata: metadata(200), BucketRegion: 'us-east-1' };
      case 'ListBuckets':
        return {
          $metadata: metadata(200),
          Buckets: (await s.listBuckets()).map((b) => ({ Name: b.name, CreationDate: b.created })),
          Owner: { ID: 'local' },
        };
      case 'DeleteBucket':
        await s.deleteBucket(bucket);
        return { $metadata: metadata(204) };
      case 'PutObject': {
        const info = await s.put(bucket, key, await bodyToBytes(input.Body), {
          contentType: input.ContentType as string | undefined,
          metadata: input.Metadata as Record<string, string> | undefined,
          ifNoneMatch: input.IfNoneMatch as string | undefined,
          ifMatch: input.IfMatch as string | undefined,
        });
        return { $metadata: metadata(200), ETag: info.etag };
      }
      case 'GetObject': {
        await s.requireBucket(bucket);
        const info = await s.stat(bucket, key);
        if (!info) throw noSuchKey(bucket, key);
        checkReadConditions(bucket, key, info, input);
        const bytes = await s.read(bucket, key);
        const range = parseRange(input.Range as string | undefined, bytes.length);
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
      }
      case 'HeadObject': {
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
      }
      case 'CopyObject': {
        const source = decodeURIComponent(String(input.CopySource ?? '').replace(/^\//, ''));
        const slash = source.indexOf('/');
        if (slash < 1)
          throw s3Error('InvalidArgument', `CopySource "${String(input.CopySource)}" must be "bucket/key".`, 400);
        const srcBucket = source.slice(0, slash);
        const srcKey = source.slice(slash + 1).split('?versionId=')[0] as string;
        const srcInfo = await s.stat(srcBucket, srcKey);
        await s.requireBucket(srcBucket);
        if (!srcInfo) throw noSuchKey(srcBucket, srcKey);
        if (
          input.CopySourceIfMatch !== undefined &&
          stripQuotes(srcInfo.etag) !== stripQuotes(input.CopySourceIfMatch as string)
        ) {
          throw preconditionFailed(srcBucket, srcKey, 'x-amz-copy-source-if-match');
        }
        if (
          input.CopySourceIfNoneMatch !== undefined &&
          stripQuotes(srcInfo.etag) === stripQuotes(input.CopySourceIfNoneMatch as string)
        ) {
          throw preconditionFailed(srcBucket, srcKey, 'x-amz-copy-source-if-none-match');
        }
        const replace = input.MetadataDirective === 'REPLACE';
        const info = await s.put(bucket, key, await s.read(srcBucket, srcKey), {
          contentType: replace ? (input.ContentType as string | undefined) : srcInfo.contentType,
          metadata: replace ? (input.Metadata as Record<string, string> | undefined) : srcInfo.metadata,
          ifNoneMatch: input.IfNoneMatch as string | undefined,
          ifMatch: input.IfMatch as string | undefined,
        });
        return { $metadata: metadata(200), CopyObjectResult: { ETag: info.etag, LastModified: info.lastModified } };
      }
      case 'DeleteObject':
        await s.delete(bucket, key, input.IfMatch as string | undefined);
        return { $metadata: metadata(204) };
      case 'DeleteObjects': {
        const objects = (input.Delete as { Objects?: { Key: string }[] } | undefined)?.Objects ?? [];
        for (const object of objects) await s.delete(bucket, object.Key);
        return { $metadata: metadata(200), Deleted: objects.map((o) => ({ Key: o.Key })) };
      }
      case 'ListObjectsV2':
        return this.listObjectsV2(input);
      default:
        throw new LocalModeUnsupportedCommandError('LocalS3Client', `${name}Command`);
    }
  }

  private async listObjectsV2(input: Input): Promise<unknown> {
    const bucket = input.Bucket as string;
    const prefix = (input.Prefix as string | undefined) ?? '';
    const delimiter = input.Delimiter as string | undefined;
    const maxKeys = Math.min((input.MaxKeys as number | undefined) ?? 1000, 1000);
    const token = input.ContinuationToken as string | undefined;
    let after = (input.StartAfter as string | undefined) ?? '';
    if (token) after = Buffer.from(token, 'base64url').toString('utf8');
    const all = await this.store.keys(bucket, prefix);
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
      const info = await this.store.stat(bucket, entry.key);
      if (info)
        contents.push({
          Key: entry.key,
          Size: info.size,
          ETag: info.etag,
          LastModified: info.lastModified,
          StorageClass: 'STANDARD',
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
}

function checkReadConditions(bucket: string, key: string, info: S3ObjectInfo, input: Input): void {
  if (input.IfMatch !== undefined && stripQuotes(info.etag) !== stripQuotes(input.IfMatch as string)) {
    throw preconditionFailed(bucket, key, `If-Match ${String(input.IfMatch)}`);
  }
  if (
    input.IfNoneMatch !== undefined &&
    (input.IfNoneMatch === '*' || stripQuotes(info.etag) === stripQuotes(input.IfNoneMatch as string))
  ) {
    // S3 answers 304 Not Modified here.
    throw s3Error('NotModified', 'Not Modified', 304);
  }
}

function parseRange(range: string | undefined, size: number): [number, number] | undefined {
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
