import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import { exists, uniqueSuffix } from './fsutil.js';
import { parseS3Uri, type LocalS3Store } from './s3.js';

/** Packs the contents of a folder into a .tar.gz (entries relative to the folder, as SageMaker does). */
export async function packFolder(folder: string, target: string): Promise<void> {
  const entries = await fs.readdir(folder);
  // An empty folder still gets one entry ("./"): readers (node-tar, Python's tarfile) reject an archive
  // that is only end-of-archive blocks.
  await tar.c({ gzip: true, file: target, cwd: folder, portable: true }, entries.length > 0 ? entries : ['.']);
}

export async function unpackArchive(file: string, target: string): Promise<void> {
  await fs.mkdir(target, { recursive: true });
  await tar.x({ file, cwd: target });
}

/**
 * Makes the contents of an S3 object (a .tar.gz archive) or prefix available as a local folder, unpacked
 * once into <stateDir>/cache and reused while the object is unchanged (keyed by URI and ETag).
 */
export async function materialize(store: LocalS3Store, stateDir: string, uri: string): Promise<string> {
  const { bucket, key } = parseS3Uri(uri);
  const info = key && !key.endsWith('/') ? await store.stat(bucket, key) : undefined;
  const hash = createHash('sha1')
    .update(`${uri}\n${info?.etag ?? 'prefix'}`)
    .digest('hex')
    .slice(0, 16);
  const target = join(stateDir, 'cache', 'unpacked', hash);
  if (info && (await exists(target))) return target;
  const staging = join(stateDir, 'tmp', `unpack-${uniqueSuffix()}`);
  await fs.mkdir(staging, { recursive: true });
  try {
    if (info && /\.(tar\.gz|tgz|tar)$/.test(key)) {
      await unpackArchive(store.objectPath(bucket, key), staging);
    } else {
      await store.downloadTo(uri, staging);
    }
    if (!info) return staging; // prefixes change without an ETag: never cache them
    await fs.mkdir(join(stateDir, 'cache', 'unpacked'), { recursive: true });
    try {
      await fs.rename(staging, target);
    } catch {
      // Another process unpacked the same archive first: use theirs.
      await fs.rm(staging, { recursive: true, force: true });
    }
    return target;
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    throw error;
  }
}
