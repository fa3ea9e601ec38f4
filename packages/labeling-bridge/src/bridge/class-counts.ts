import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { listKeys, type Lake } from './lake.js';

async function range(s3: S3Client, bucket: string, key: string, rangeHeader: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: rangeHeader }));
  return Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/**
 * Class counts of an ImageFolder zip (`<class>/<file>`, optionally under one root folder) read from its central
 * directory with two ranged GETs, so a multi-GB data set is never downloaded to count it.
 */
export async function zipClassCounts(s3: S3Client, bucket: string, key: string): Promise<Record<string, number>> {
  const tail = await range(s3, bucket, key, 'bytes=-65557');
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`s3://${bucket}/${key} is not a zip file (no end-of-central-directory record)`);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || cdSize === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || tail.readUInt32LE(locator) !== 0x07064b50)
      throw new Error(`s3://${bucket}/${key}: broken zip64 locator`);
    const zip64At = Number(tail.readBigUInt64LE(locator + 8));
    const record = await range(s3, bucket, key, `bytes=${zip64At}-${zip64At + 55}`);
    cdSize = Number(record.readBigUInt64LE(40));
    cdOffset = Number(record.readBigUInt64LE(48));
  }
  // A Map, not an object: a folder named __proto__ or constructor is a label like any other.
  const counts = new Map<string, number>();
  if (cdSize === 0) return {};
  const directory = await range(s3, bucket, key, `bytes=${cdOffset}-${cdOffset + cdSize - 1}`);
  for (let at = 0; at + 46 <= directory.length && directory.readUInt32LE(at) === 0x02014b50; ) {
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const name = directory.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/') || name.startsWith('__MACOSX/')) continue;
    const parts = name.split('/');
    const base = parts[parts.length - 1] ?? '';
    if (parts.length < 2 || base.startsWith('.')) continue;
    const label = parts[parts.length - 2] as string;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
}

/** Adds `from` into `into` (both label → count). */
export function addCounts(into: Map<string, number>, from: Record<string, number> | Map<string, number>): void {
  for (const [label, n] of from instanceof Map ? from : Object.entries(from))
    into.set(label, (into.get(label) ?? 0) + n);
}

/** Counts of the raw data set (every zip under `<lake>/raw/`), cached by ETag; the listing is re-read every `ttlMs`. */
export class RawClassCounts {
  readonly #cache = new Map<string, { etag: string | undefined; counts: Record<string, number> }>();
  #total: { at: number; counts: Record<string, number> } | undefined;
  constructor(private readonly ttlMs = 5 * 60_000) {}
  async get(s3: S3Client, lake: Lake): Promise<Record<string, number>> {
    if (this.#total && Date.now() - this.#total.at < this.ttlMs) return this.#total.counts;
    const total = new Map<string, number>();
    for (const { key, etag } of await listKeys(s3, lake.bucket, `${lake.prefix}raw/`)) {
      if (!key.toLowerCase().endsWith('.zip')) continue;
      let cached = this.#cache.get(key);
      if (!cached || cached.etag !== etag) {
        cached = { etag, counts: await zipClassCounts(s3, lake.bucket, key) };
        this.#cache.set(key, cached);
      }
      addCounts(total, cached.counts);
    }
    this.#total = { at: Date.now(), counts: Object.fromEntries(total) };
    return this.#total.counts;
  }
}

/**
 * Counts of annotated images per label, from a listing of `<lake>/annotated/` re-read at most every `refreshMs`,
 * with this process's own changes applied in between: a LIST per event would cost O(lake size) per annotation.
 * Exact at each refresh; changes by other processes (other Lambda instances) show up at the next one.
 */
export class AnnotatedClassCounts {
  #base: { at: number; counts: Record<string, number> } | undefined;
  #delta = new Map<string, number>();
  constructor(private readonly refreshMs = 60_000) {}
  apply(label: string, change: number): void {
    this.#delta.set(label, (this.#delta.get(label) ?? 0) + change);
  }
  async get(s3: S3Client, lake: Lake): Promise<Record<string, number>> {
    if (!this.#base || Date.now() - this.#base.at >= this.refreshMs) {
      const at = Date.now();
      const delta = this.#delta;
      this.#delta = new Map();
      try {
        this.#base = { at, counts: await annotatedClassCounts(s3, lake) };
      } catch (error) {
        for (const [label, n] of delta) this.apply(label, n);
        throw error;
      }
    }
    const counts = new Map<string, number>();
    addCounts(counts, this.#base.counts);
    addCounts(counts, this.#delta);
    for (const [label, n] of counts) if (n === 0) counts.delete(label);
    return Object.fromEntries(counts);
  }
}

/** Counts of annotated images per label folder under `<lake>/annotated/`. */
export async function annotatedClassCounts(s3: S3Client, lake: Lake): Promise<Record<string, number>> {
  const counts = new Map<string, number>();
  const base = `${lake.prefix}annotated/`;
  for (const { key } of await listKeys(s3, lake.bucket, base)) {
    // Only <label>/<image>: a file directly under annotated/ (the demo's README.txt placeholder) is not a class.
    const [label, ...rest] = key.slice(base.length).split('/');
    if (label && rest.length > 0 && rest.at(-1)) counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return Object.fromEntries(counts);
}
