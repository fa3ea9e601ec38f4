import { createHash } from 'node:crypto';
import { createReadStream, type Dirent, promises as fs, type Stats } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { NoSuchBucket } from '@aws-sdk/client-s3';
import { LocalModeError, metadata, s3Error } from './errors.js';
import { readJson, uniqueSuffix, withFileLock, writeFileAtomic } from './fsutil.js';
import { noSuchKey, preconditionFailed, stripQuotes } from './s3-requests.js';

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
      let entries: Dirent[];
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
