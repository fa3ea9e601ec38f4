import type { S3Client } from '@aws-sdk/client-s3';
import { BoundedCache } from '../bounded-cache.js';
import { getJson, type KeyedMutex, lakeKey, listKeys, putJson, type Lake } from './lake.js';

/**
 * The marker of an annotation, `_bridge/<project>/seen/<annotation>`, written once (If-None-Match) before any slot is
 * claimed for it: `from` is a slot known to be taken at that moment, so the annotation's slot lies after it.
 */
interface SeenMarker {
  annotationId: number;
  from: number;
}

/**
 * Counts each annotation exactly once per project, across processes and crashes, with two conditional writes per new
 * annotation and none for a duplicate this process has seen.
 *
 * Each annotation gets one slot `_bridge/<project>/seq/<n>` (its position in the count; whoever holds slot k × threshold
 * crossed the threshold for the k-th time). Slots are immutable once written (If-None-Match) and dense: a claimer
 * takes the first free slot after a slot known to be taken.
 *
 * Why a crash cannot strand or double an annotation:
 * 1. The marker is written first, with `from`: no slot at or below `from` can hold the annotation, because none was
 *    claimed for it before its marker existed.
 * 2. Whoever needs the annotation's slot (the first delivery, a duplicate, a redelivery after a crash, a backfill)
 *    walks the slots from `from + 1`: at each taken slot it checks whether it holds this annotation, and it claims the
 *    first free one for it. Two walkers for one annotation see the same immutable slots in the same order, so the
 *    first slot written for it is found by every other walker before that walker could claim another one.
 * A crash before 1 leaves nothing; after 1 the next delivery or backfill walks and finds or claims the one slot.
 * Batch starts are idempotent on their own (claim + ClientRequestToken).
 */
export class AnnotationCounter {
  /** Highest slot known taken, per project: where a new marker's walk starts. */
  readonly #hint = new Map<number, number>();
  /** Slots this process has seen, by `<project>/<annotation>`: duplicates cost no S3 call. */
  readonly #slots = new BoundedCache<number>(100_000, 16 * 2 ** 20, (key) => 2 * key.length + 32);
  /** Holders of slots this process has written or read, by `<project>/<slot>`: walks past them cost no S3 call. */
  readonly #holders = new BoundedCache<number>(100_000, 16 * 2 ** 20, (key) => 2 * key.length + 32);

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

  /**
   * The annotation's slot (its 1-based position in the project's count), claiming one when it has none yet; `first`
   * on the delivery that wrote its marker.
   */
  async position(projectId: number, annotationId: number): Promise<{ position: number; first: boolean }> {
    const cacheKey = `${projectId}/${annotationId}`;
    const known = this.#slots.get(cacheKey);
    if (known !== undefined) return { position: known, first: false };
    const key = this.#seenKey(projectId, annotationId);
    return this.mutex.run(key, async () => {
      const marker: SeenMarker = { annotationId, from: await this.#knownTaken(projectId) };
      const first = await putJson(this.s3, this.lake.bucket, key, marker, { ifNoneMatch: true });
      const from = first ? marker.from : ((await getJson<SeenMarker>(this.s3, this.lake.bucket, key))?.value.from ?? 0);
      const position = await this.#walk(projectId, annotationId, from, first);
      this.#slots.set(cacheKey, position);
      return { position, first };
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

  /**
   * Walks the slots after `from` to the one holding the annotation, claiming the first free one when none does.
   * A new annotation tries the write first (its slot is almost always the next free one); a known one reads first.
   */
  async #walk(projectId: number, annotationId: number, from: number, claimFirst: boolean): Promise<number> {
    return this.mutex.run(`${projectId}/seq`, async () => {
      const prefix = this.#slotPrefix(projectId);
      const read = async (key: string, n: number) => {
        const holder = (await getJson<{ annotationId: number }>(this.s3, this.lake.bucket, key))?.value.annotationId;
        if (holder !== undefined) this.#holders.set(`${projectId}/${n}`, holder);
        return holder;
      };
      for (let n = from + 1; ; n++) {
        // Slots are immutable: a holder this process has seen needs no second look.
        let holder = this.#holders.get(`${projectId}/${n}`);
        if (holder === undefined) {
          const key = `${prefix}${String(n).padStart(10, '0')}`;
          if (!claimFirst) holder = await read(key, n);
          if (holder === undefined) {
            if (await putJson(this.s3, this.lake.bucket, key, { annotationId }, { ifNoneMatch: true })) {
              holder = annotationId;
              this.#holders.set(`${projectId}/${n}`, holder);
            } else holder = await read(key, n);
          }
        }
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
