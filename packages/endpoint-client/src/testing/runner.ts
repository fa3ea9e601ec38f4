import { readFile } from 'node:fs';
import type { EndpointClient } from '../client.js';
import { runBounded, type Progress } from '../concurrency.js';
import { EndpointClientError, EndpointInvocationError, InvalidInputError } from '../errors.js';
import type { ImagePrediction } from '../prediction.js';
import { listLabelledImages, type LabelledImage } from './dataset.js';

export type ImageErrorKind = 'unreadable' | 'invocation-failed' | 'bad-response' | 'invalid-input' | 'other';

export interface ImageOutcome {
  name: string;
  path: string;
  expected: string;
  predicted: string | undefined;
  /** Probability the endpoint gave its predicted label. */
  probability: number | undefined;
  correct: boolean;
  error: { kind: ImageErrorKind; message: string } | undefined;
  latencyMs: number;
}

export interface ClassAccuracy {
  label: string;
  total: number;
  correct: number;
  accuracy: number;
}

export interface EndpointTestReport {
  endpointName: string;
  total: number;
  correct: number;
  accuracy: number;
  minAccuracy: number;
  passed: boolean;
  durationMs: number;
  imagesPerSecond: number;
  perClass: ClassAccuracy[];
  /** Rows: expected label, columns: predicted label, both in `labels` order. Images that errored are not counted. */
  confusion: { labels: string[]; matrix: number[][] };
  misses: Array<{
    name: string;
    expected: string;
    predicted: string;
    probability: number | undefined;
  }>;
  errors: Array<{
    name: string;
    expected: string;
    kind: ImageErrorKind;
    message: string;
  }>;
  outcomes: ImageOutcome[];
}

export interface RunEndpointTestOptions {
  client: EndpointClient;
  /** A folder of labelled images (see listLabelledImages), or the images themselves. */
  images: string | readonly LabelledImage[];
  /** Predictions in flight at once. Default 10. */
  concurrency?: number;
  /** Fraction of images that must be predicted right for `passed`. Default 1 (every image, as the seed's test). */
  minAccuracy?: number;
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /**
   * Predict the first image alone before fanning out. An endpoint that starts on first use (a cold serverless
   * endpoint, a local-mode endpoint in a fresh process) then starts once, instead of meeting a burst of
   * `concurrency` requests that it throttles or starts in parallel. Default true.
   */
  warmUp?: boolean;
  /**
   * How one image's bytes are read. Default: from `image.path` on disk. Give one to read from elsewhere (S3, an
   * archive, memory); it is called ahead of the image's turn, at most `concurrency` images beyond those in flight.
   */
  readImage?: (image: LabelledImage) => Promise<Uint8Array>;
  /** How one image is classified. Default `client.predictImage(bytes)` with the demo's JSON contract. */
  predict?: (
    client: EndpointClient,
    bytes: Uint8Array,
    image: LabelledImage,
  ) => Promise<Pick<ImagePrediction, 'label' | 'probabilities'>>;
}

/** Predicts every image with bounded concurrency and compares with its expected label. Never throws for one bad image. */
export async function runEndpointTest(options: RunEndpointTestOptions): Promise<EndpointTestReport> {
  const { client, concurrency = 10, minAccuracy = 1 } = options;
  if (!(minAccuracy >= 0 && minAccuracy <= 1))
    throw new InvalidInputError(`minAccuracy must be between 0 and 1, got ${minAccuracy}`);
  const images = typeof options.images === 'string' ? listLabelledImages(options.images) : options.images;
  const predict =
    options.predict ?? ((c: EndpointClient, bytes: Uint8Array) => c.predictImage(bytes, { signal: options.signal }));
  const started = performance.now();
  // Read-ahead: each image's bytes are read while earlier requests are in flight, so a lane goes from one answer
  // to the next request without waiting for the disk. At most `concurrency` images beyond the running ones are held.
  const reads = new Map<number, Promise<Uint8Array>>();
  // The callback readFile, not fs/promises': a third of the CPU per small file (one thread-pool task instead of a
  // promise chain of open/stat/read/close), which at a thousand images a second is the event loop's time.
  const readFromDisk = (image: LabelledImage) =>
    new Promise<Uint8Array>((resolve, reject) =>
      readFile(image.path, (error, buffer) =>
        error ? reject(error) : resolve(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length)),
      ),
    );
  const readBytes = options.readImage ?? readFromDisk;
  const readAhead = (from: number) => {
    for (let i = from; i < Math.min(images.length, from + concurrency); i += 1) {
      if (reads.has(i)) continue;
      const read = readBytes(images[i] as LabelledImage);
      read.catch(() => undefined); // seen, and reported, when its turn comes
      reads.set(i, read);
    }
  };
  const predictOne = async (image: LabelledImage, index: number): Promise<ImageOutcome> => {
    readAhead(index + 1);
    const t0 = performance.now();
    let bytes: Uint8Array;
    try {
      bytes = await (reads.get(index) ?? readBytes(image));
    } catch (error) {
      const code = (error as { code?: string }).code;
      return failure(
        image,
        'unreadable',
        `cannot read ${image.path}${code ? ` (${code})` : ''}: ${messageOf(error)}`,
        t0,
      );
    } finally {
      reads.delete(index);
    }
    try {
      const prediction = await predict(client, bytes, image);
      return {
        name: image.name,
        path: image.path,
        expected: image.expected,
        predicted: prediction.label,
        probability: prediction.probabilities[prediction.label],
        correct: prediction.label === image.expected,
        error: undefined,
        latencyMs: performance.now() - t0,
      };
    } catch (error) {
      return failure(image, errorKind(error), messageOf(error), t0);
    }
  };
  const outcomes: ImageOutcome[] = [];
  let rest: readonly LabelledImage[] = images;
  if ((options.warmUp ?? true) && images.length > 1 && !options.signal?.aborted) {
    outcomes.push(await predictOne(images[0] as LabelledImage, 0));
    options.onProgress?.({
      done: 1,
      total: images.length,
      failed: outcomes[0]?.error ? 1 : 0,
    });
    rest = images.slice(1);
  }
  const offset = outcomes.length;
  const results = await runBounded(rest, (image, i) => predictOne(image, i + offset), {
    concurrency,
    signal: options.signal,
    onProgress: options.onProgress
      ? (p) =>
          options.onProgress?.({
            done: p.done + outcomes.length,
            total: images.length,
            failed: p.failed + outcomes.filter((o) => o.error).length,
          })
      : undefined,
  });
  for (const [i, r] of results.entries()) {
    outcomes.push(r.ok ? r.value : failure(rest[i] as LabelledImage, 'other', messageOf(r.error), performance.now()));
  }
  return summarize({
    endpointName: client.endpointName,
    outcomes,
    minAccuracy,
    durationMs: performance.now() - started,
  });
}

/** Builds the report (accuracy, per class, confusion matrix, misses, errors) from per-image outcomes. */
export interface SummarizeOptions {
  endpointName: string;
  outcomes: ImageOutcome[];
  /** Fraction of images that must be right for `passed`. */
  minAccuracy: number;
  durationMs: number;
}

export function summarize(options: SummarizeOptions): EndpointTestReport {
  const { endpointName, outcomes, minAccuracy, durationMs } = options;
  const total = outcomes.length;
  const correct = outcomes.filter((o) => o.correct).length;
  const accuracy = total === 0 ? 0 : correct / total;
  const classes = new Map<string, { total: number; correct: number }>();
  const labelSet = new Set<string>();
  for (const o of outcomes) {
    const entry = classes.get(o.expected) ?? { total: 0, correct: 0 };
    entry.total += 1;
    if (o.correct) entry.correct += 1;
    classes.set(o.expected, entry);
    labelSet.add(o.expected);
    if (o.predicted !== undefined) labelSet.add(o.predicted);
  }
  const labels = [...labelSet].sort();
  const index = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  for (const o of outcomes) {
    if (o.predicted === undefined) continue;
    const row = matrix[index.get(o.expected) as number] as number[];
    const column = index.get(o.predicted) as number;
    row[column] = (row[column] ?? 0) + 1;
  }
  return {
    endpointName,
    total,
    correct,
    accuracy,
    minAccuracy,
    passed: total > 0 && accuracy >= minAccuracy,
    durationMs,
    imagesPerSecond: durationMs > 0 ? (total * 1000) / durationMs : 0,
    perClass: [...classes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([label, c]) => ({
        label,
        total: c.total,
        correct: c.correct,
        accuracy: c.correct / c.total,
      })),
    confusion: { labels, matrix },
    misses: outcomes
      .filter((o) => !o.correct && o.predicted !== undefined)
      .map((o) => ({
        name: o.name,
        expected: o.expected,
        predicted: o.predicted as string,
        probability: o.probability,
      })),
    errors: outcomes
      .filter((o) => o.error !== undefined)
      .map((o) => ({
        name: o.name,
        expected: o.expected,
        kind: o.error?.kind as ImageErrorKind,
        message: o.error?.message as string,
      })),
    outcomes,
  };
}

function failure(image: LabelledImage, kind: ImageErrorKind, message: string, t0: number): ImageOutcome {
  return {
    name: image.name,
    path: image.path,
    expected: image.expected,
    predicted: undefined,
    probability: undefined,
    correct: false,
    error: { kind, message },
    latencyMs: performance.now() - t0,
  };
}

function errorKind(error: unknown): ImageErrorKind {
  if (!(error instanceof EndpointClientError)) return 'other';
  switch (error.code) {
    case 'RESPONSE_DECODE_FAILED':
      return 'bad-response';
    case 'INVALID_INPUT':
    case 'PAYLOAD_TOO_LARGE':
      return 'invalid-input';
    default:
      return 'invocation-failed';
  }
}

function messageOf(error: unknown): string {
  // A passed-through SDK exception's message is only the endpoint's; the report also names endpoint and error.
  if (error instanceof EndpointInvocationError && error.message === error.endpointMessage) {
    return `Endpoint '${error.endpointName}' failed with ${error.errorType}: ${error.endpointMessage}`;
  }
  return error instanceof Error ? error.message : String(error);
}
