import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { InvalidPayloadError, redactUrl } from '../errors.js';
import { zodToPayloadError } from '../http-util.js';
import { safeParse } from '../zod-parse.js';
import { assertFolderSafeLabel, type ImageClassificationConfig } from '../label-config.js';
import type { Logger } from '../logger.js';
import { type MediaLocation, mediaFileName, type MediaResolver } from '../media.js';
import type { AnnotatedClassCounts } from './class-counts.js';
import type { AnnotationCounter } from './counter.js';
import type { LakeImageWriter } from './image-writer.js';
import { getJson, type KeyedMutex, lakeKey, putJson, type Lake } from './lake.js';
import { choicesResult, choicesResultHead, type Annotation, type Task } from './schemas.js';
import type { AnnotationRecord, AnnotationResult } from './types.js';

/**
 * The lake's annotations: each one's image under `annotated/<label>/` and its record under `annotations/<project>/`,
 * written (or moved, or tombstoned) under a per-record lock, then counted once.
 */
export class LakeAnnotations {
  constructor(
    private readonly s3: S3Client,
    private readonly lake: Lake,
    private readonly mutex: KeyedMutex,
    private readonly media: MediaResolver,
    private readonly images: LakeImageWriter,
    private readonly counter: AnnotationCounter,
    private readonly annotated: AnnotatedClassCounts,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  #recordKey(projectId: number, annotationId: number): string {
    return lakeKey(this.lake, 'annotations', projectId, `${annotationId}.json`);
  }

  /**
   * Everything about an annotation that can be checked without writing: its choice, its label against the config and
   * the folder-name rule, its image URL against the media policy. Returns a skip outcome or what the write needs.
   */
  prepare(
    projectId: number,
    config: ImageClassificationConfig,
    annotation: Annotation,
    task: Task,
  ): { skip: AnnotationResult } | { label: string; imageUrl: string; location: MediaLocation; imageKey: string } {
    const annotationId = annotation.id;
    if (annotation.was_cancelled) {
      return { skip: { annotationId, outcome: 'skipped', reason: 'annotation was cancelled (skipped task)' } };
    }
    const index = annotation.result.findIndex((item) => {
      const parsed = safeParse(choicesResultHead, item);
      return parsed.success && parsed.data.from_name === config.fromName;
    });
    if (index === -1) {
      return { skip: { annotationId, outcome: 'skipped', reason: `no choices result for ${config.fromName}` } };
    }
    const choice = safeParse(choicesResult, annotation.result[index]);
    if (!choice.success) {
      const issue = zodToPayloadError(choice.error, `the choices result for ${config.fromName}`);
      throw new InvalidPayloadError(issue.message.replace(/ \(at \$.*\)$/, ''), `$.annotation.result[${index}]`);
    }
    const label = assertFolderSafeLabel(config, choice.data.value.choices[0]);
    const imageUrl = task.data[config.dataKey];
    if (typeof imageUrl !== 'string' || imageUrl === '') {
      throw new InvalidPayloadError(
        `task ${task.id} has no image URL under data.${config.dataKey}`,
        `$.task.data.${config.dataKey}`,
      );
    }
    const location = this.media.locate(imageUrl);
    const imageKey = lakeKey(this.lake, 'annotated', label, `${task.id}-${mediaFileName(imageUrl)}`);
    // Touches the record key too, so a project or annotation id that cannot be a key fails here, before any write.
    this.#recordKey(projectId, annotationId);
    return { label, imageUrl, location, imageKey };
  }

  /** Writes (or moves) one annotation's image and record. The answer is sent only after both are in S3. */
  async upsert(
    projectId: number,
    config: ImageClassificationConfig,
    annotation: Annotation,
    task: Task,
    action: string,
  ): Promise<AnnotationResult> {
    const annotationId = annotation.id;
    const prepared = this.prepare(projectId, config, annotation, task);
    if ('skip' in prepared) return prepared.skip;
    const { label, imageUrl, location, imageKey } = prepared;
    const recordKey = this.#recordKey(projectId, annotationId);
    const updatedAt = annotation.updated_at ?? annotation.created_at ?? null;

    return this.mutex.run(recordKey, async () => {
      const existing = await getJson<AnnotationRecord>(this.s3, this.lake.bucket, recordKey);
      const previous = existing?.value;
      const newer = (a: string | null, b: string | null) => (a && b ? Date.parse(a) - Date.parse(b) : 0);
      if (previous && newer(updatedAt, previous.updatedAt) < 0) {
        return {
          annotationId,
          outcome: 'stale' as const,
          imageKey: previous.imageKey,
          reason: 'an event with a later updated_at is already applied',
        };
      }
      if (previous?.deletedAt && newer(updatedAt, previous.updatedAt) <= 0) {
        return { annotationId, outcome: 'stale' as const, reason: 'the annotation was deleted' };
      }
      const unchanged = previous && !previous.deletedAt && previous.imageKey === imageKey && previous.label === label;
      if (!unchanged) {
        const moveFrom =
          previous && !previous.deletedAt && previous.imageKey !== imageKey ? previous.imageKey : undefined;
        if (moveFrom) {
          // The label changed: copy within the lake (the source may be gone), then drop the old copy after the record.
          await this.images
            .copyWithinLake(moveFrom, imageKey)
            .catch(() => this.images.write(location, imageUrl, imageKey, annotationId, task.id));
        } else {
          await this.images.write(location, imageUrl, imageKey, annotationId, task.id);
        }
        const record: AnnotationRecord = {
          annotationId,
          taskId: task.id,
          projectId,
          label,
          imageKey,
          sourceImage: redactUrl(imageUrl),
          completedBy: annotation.completed_by ?? null,
          madeBy: this.#madeBy(annotation),
          createdAt: annotation.created_at ?? null,
          updatedAt,
          recordedAt: this.now().toISOString(),
          action,
        };
        await putJson(this.s3, this.lake.bucket, recordKey, record);
        if (moveFrom) await this.s3.send(new DeleteObjectCommand({ Bucket: this.lake.bucket, Key: moveFrom }));
        if (moveFrom && previous) this.annotated.apply(previous.label, -1);
        if (!previous || previous.deletedAt || moveFrom) this.annotated.apply(label, 1);
        this.log.info(moveFrom ? 'annotation moved' : 'annotation stored', {
          projectId,
          taskId: task.id,
          annotationId,
          label,
          key: imageKey,
          ...(moveFrom ? { from: moveFrom } : {}),
        });
      }
      // Every delivery (first, duplicate, redelivery after a crash) makes sure the annotation holds its slot and
      // returns it, so the batches due at that position are checked again: a crash anywhere is completed here.
      const { position, first } = await this.counter.position(projectId, annotationId);
      return {
        annotationId,
        position,
        ...(first ? { counted: true as const } : {}),
        outcome: unchanged
          ? ('unchanged' as const)
          : previous && !previous.deletedAt && previous.imageKey !== imageKey
            ? ('moved' as const)
            : ('written' as const),
        imageKey,
      };
    });
  }

  #madeBy(annotation: Annotation): 'human' | 'model' {
    const fromPrediction = annotation.parent_prediction !== undefined && annotation.parent_prediction !== null;
    const allPredicted = annotation.result.every((r) => (r as { origin?: unknown })?.origin === 'prediction');
    return fromPrediction && allPredicted ? 'model' : 'human';
  }

  /** Removes a deleted annotation's image and leaves a tombstone record, so a late duplicate cannot bring it back. */
  async delete(projectId: number, annotationId: number): Promise<AnnotationResult> {
    const recordKey = this.#recordKey(projectId, annotationId);
    return this.mutex.run(recordKey, async () => {
      const existing = await getJson<AnnotationRecord>(this.s3, this.lake.bucket, recordKey);
      if (!existing || existing.value.deletedAt)
        return { annotationId, outcome: 'unchanged' as const, reason: 'not in the lake' };
      // Tombstone first: a crash before the image is gone leaves an orphan image, which the sweep removes, never a
      // live record pointing at a missing image.
      const now = this.now().toISOString();
      await putJson(this.s3, this.lake.bucket, recordKey, {
        ...existing.value,
        deletedAt: now,
        action: 'ANNOTATIONS_DELETED',
      });
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.lake.bucket, Key: existing.value.imageKey }));
      this.annotated.apply(existing.value.label, -1);
      this.log.info('annotation deleted', { projectId, annotationId, key: existing.value.imageKey });
      return { annotationId, outcome: 'deleted' as const, imageKey: existing.value.imageKey };
    });
  }
}
