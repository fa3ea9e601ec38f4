import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../logger.js';
import { AnnotatedClassCounts, addCounts, RawClassCounts } from './class-counts.js';
import type { Lake } from './lake.js';

/**
 * The class counts log line after each change to the lake, as the seed's CloudWatch logs show it: the raw data set's
 * classes, the annotated ones, and both together.
 */
export class ClassCountLog {
  /** Annotated images per label; the annotation writes apply their own changes to it between listings. */
  readonly annotated: AnnotatedClassCounts;
  readonly #raw: RawClassCounts;
  #countsInFlight: Promise<void> | undefined;
  #countsAgain = false;

  constructor(
    private readonly s3: S3Client,
    private readonly lake: Lake,
    private readonly logger: Logger,
    refreshMs: number | undefined,
  ) {
    this.#raw = new RawClassCounts(refreshMs ?? 5 * 60_000);
    this.annotated = new AnnotatedClassCounts(refreshMs ?? 60_000);
  }

  /** Logs the class counts of the raw data set and with the annotations (one JSON line). Coalesces concurrent calls. */
  async log(): Promise<void> {
    if (this.#countsInFlight) {
      this.#countsAgain = true;
      return this.#countsInFlight;
    }
    this.#countsInFlight = (async () => {
      do {
        this.#countsAgain = false;
        try {
          const [raw, annotated] = await Promise.all([
            this.#raw.get(this.s3, this.lake),
            this.annotated.get(this.s3, this.lake),
          ]);
          const withAnnotations = new Map<string, number>();
          addCounts(withAnnotations, raw);
          addCounts(withAnnotations, annotated);
          this.logger.info('class counts', {
            lake: this.lake.uri,
            raw,
            annotated,
            withAnnotations: Object.fromEntries(withAnnotations),
          });
        } catch (error) {
          this.logger.warn('class counts unavailable', { error: (error as Error).message });
        }
      } while (this.#countsAgain);
    })().finally(() => {
      this.#countsInFlight = undefined;
    });
    return this.#countsInFlight;
  }
}
