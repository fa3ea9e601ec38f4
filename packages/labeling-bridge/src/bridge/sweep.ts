import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AnnotationRecord } from './core.js';
import { getJson, type Lake, listKeys } from './lake.js';
import { mapLimit } from '../http-util.js';

export interface SweepReport {
  /** Live annotation records read. */
  records: number;
  /** Images under `annotated/` that no live record points at, deleted. */
  removed: string[];
}

/**
 * Deletes images under `<lake>/annotated/` that no live annotation record points at. An image is written before its
 * record (so a record never points at a missing image); a crash between the two, or between a move's copy and the
 * old copy's deletion, leaves such an image. Only images older than `olderThanMs` (default 15 min) go, so an event
 * still in flight keeps its image. Backfill (`syncFromLabelStudio`) runs it; run it after a crash, too.
 */
export async function sweepOrphanImages(
  s3: S3Client,
  lake: Lake,
  options: { olderThanMs?: number; now?: Date } = {},
): Promise<SweepReport> {
  const cutoff = (options.now ?? new Date()).getTime() - (options.olderThanMs ?? 15 * 60_000);
  // Images first: one written after this listing cannot be taken for an orphan, whatever the records say by then.
  const images = (await listKeys(s3, lake.bucket, `${lake.prefix}annotated/`)).filter(
    (image) => (image.lastModified?.getTime() ?? 0) <= cutoff,
  );
  const recordKeys = await listKeys(s3, lake.bucket, `${lake.prefix}annotations/`);
  const referenced = new Set<string>();
  await mapLimit(recordKeys, 16, async ({ key }) => {
    const record = await getJson<AnnotationRecord>(s3, lake.bucket, key);
    if (record && !record.value.deletedAt) referenced.add(record.value.imageKey);
  });
  const removed = images.filter((image) => !referenced.has(image.key)).map((image) => image.key);
  await mapLimit(removed, 16, (key) => s3.send(new DeleteObjectCommand({ Bucket: lake.bucket, Key: key })));
  return { records: referenced.size, removed };
}
