import type { S3Client } from '@aws-sdk/client-s3';
import { getJson, type KeyedMutex, lakeKey, listKeys, putJson, type Lake } from './lake.js';

/**
 * What the lake holds per annotation under `_bridge/<project>/seen/<annotation>`: `pending` while its slot is being
 * claimed (with `from`, a slot known to be taken before the marker existed), then the slot it holds.
 */
type SeenMarker = { annotationId: number; from: number; slot?: undefined } | { annotationId: number; slot: number };

/**
 * Counts each annotation exactly once per project, across processes and crashes, with constant work per annotation
 * in the common case.
 *
 * Each annotation gets one slot `_bridge/<project>/seq/<n>` (its position in the count; whoever holds slot k × threshold
 * crossed the threshold for the k-th time). Slots are immutable once written (conditional write, If-None-Match) and
 * dense: a claimer takes the first free slot after a slot known to be taken.
 *
 * Why a crash cannot strand or double an annotation:
 * 1. The marker is written first (If-None-Match), as `pending` with `from`: no slot at or below `from` can hold the
 *    annotation, because none was claimed for it before its marker existed.
 * 2. Whoever finds the marker pending (the first process, a redelivery after a crash, a backfill) walks the slots from
 *    `from + 1`, and at each taken slot checks whether it holds this annotation; the first free slot is claimed for
 *    it. Two walkers for the same annotation see the same immutable slots in the same order, so the first slot
 *    written for it is found by every other walker before that walker could claim another: exactly one slot holds it.
 * 3. The marker is then rewritten with the slot (the same value whoever writes it).
 * A crash before 1 leaves nothing; between 1 and 3 a pending marker that the next delivery or backfill completes;
 * after 3 a counted annotation. Batch starts are idempotent on their own (claim + ClientRequestToken).
 */
export class AnnotationCounter {
  /** Highest slot known taken, per project: where a new marker's walk starts. */
  readonly #hint = new Map<number, number>();

  constructor(
    private readonly s3: S3Client,
    private readonly lake: Lake,
    private readonly mutex: KeyedMutex,
  ) {}

  #seenKey(projectId: number, annotationId: number): string {
    return lakeKey(this.lake, '_bridge', projectId, 'seen', String(annotationId));
  }

  #slotPrefix(projectId: number): string {
    return `${lakeKey(this.lake, '_bridge', projectId, 'seq')}/`;
  }

  /** The annotation's slot (its 1-based position in the project's count), claiming one when it has none yet. */
  async position(projectId: number, annotationId: number): Promise<{ position: number; first: boolean }> {
    const key = this.#seenKey(projectId, annotationId);
    return this.mutex.run(key, async () => {
      let marker = (await getJson<SeenMarker>(this.s3, this.lake.bucket, key))?.value;
      let first = false;
      if (!marker) {
        const pending: SeenMarker = { annotationId, from: await this.#knownTaken(projectId) };
        if (await putJson(this.s3, this.lake.bucket, key, pending, { ifNoneMatch: true })) {
          marker = pending;
          first = true;
        } else {
          marker = (await getJson<SeenMarker>(this.s3, this.lake.bucket, key))?.value ?? pending;
        }
      }
      if (marker.slot !== undefined) return { position: marker.slot, first };
      const slot = await this.#claimSlot(projectId, annotationId, marker.from);
      await putJson(this.s3, this.lake.bucket, key, { annotationId, slot } satisfies SeenMarker);
      // `first` only for the delivery that created the marker: a completion after a crash is not a new count.
      return { position: slot, first };
    });
  }

  async #knownTaken(projectId: number): Promise<number> {
    const known = this.#hint.get(projectId);
    if (known !== undefined) return known;
    const prefix = this.#slotPrefix(projectId);
    const taken = (await listKeys(this.s3, this.lake.bucket, prefix))
      .map((k) => Number(k.key.slice(prefix.length)))
      .filter(Number.isInteger);
    const highest = Math.max(0, ...taken);
    this.#hint.set(projectId, Math.max(highest, this.#hint.get(projectId) ?? 0));
    return highest;
  }

  /** Walks the slots after `from`: the one already holding the annotation, else the first free one, claimed. */
  async #claimSlot(projectId: number, annotationId: number, from: number): Promise<number> {
    return this.mutex.run(`${projectId}/seq`, async () => {
      const prefix = this.#slotPrefix(projectId);
      for (let n = from + 1; ; n++) {
        const key = `${prefix}${String(n).padStart(10, '0')}`;
        const claimed = await putJson(this.s3, this.lake.bucket, key, { annotationId }, { ifNoneMatch: true });
        const holder = claimed
          ? annotationId
          : (await getJson<{ annotationId: number }>(this.s3, this.lake.bucket, key))?.value.annotationId;
        if (holder === annotationId) {
          this.#hint.set(projectId, Math.max(n, this.#hint.get(projectId) ?? 0));
          return n;
        }
      }
    });
  }

  /** Annotations counted so far for a project (each once, deletions included): the number of slots taken. */
  async count(projectId: number): Promise<number> {
    return (await listKeys(this.s3, this.lake.bucket, this.#slotPrefix(projectId))).length;
  }
}
