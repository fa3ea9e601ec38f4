import { CopyObjectCommand, DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { createHash } from 'node:crypto';
import {
  BridgeConfigError,
  InvalidPayloadError,
  LabelingBridgeError,
  MediaFetchError,
  PipelineStartError,
  RequestBodyTooLargeError,
  UnauthorizedError,
  redactUrl,
} from '../errors.js';
import {
  authorizationCredentials,
  basicAuthMatches,
  errorBody,
  parseJson,
  safeEqual,
  zodToPayloadError,
} from '../http-util.js';
import { BoundedCache } from '../bounded-cache.js';
import { assertFolderSafeLabel, parseLabelConfig, type ImageClassificationConfig } from '../label-config.js';
import type { LabelStudioConnection } from '../label-studio/connection.js';
import { silentLogger, type Logger } from '../logger.js';
import { type MediaLocation, mediaFileName, type MediaResolver } from '../media.js';
import { asMediaFetchError, readAll } from '../net.js';
import { AnnotatedClassCounts, addCounts, RawClassCounts } from './class-counts.js';
import { AnnotationCounter } from './counter.js';
import { type SweepReport, sweepOrphanImages } from './sweep.js';
import { getJson, KeyedMutex, lakeKey, listKeys, parseLake, putJson, type Lake } from './lake.js';
import { deleteTasks } from './task-deletion.js';
import {
  anyEvent,
  choicesResult,
  choicesResultHead,
  bulkAnnotationEvent,
  deletedEvent,
  singleAnnotationEvent,
  type Annotation,
  type Project,
  type Task,
} from './schemas.js';

/** How the webhook authenticates Label Studio. Label Studio sends the configured webhook `headers` verbatim. */
export type WebhookAuth =
  | { sharedSecret: string; header?: string }
  | { basicAuth: { user: string; pass: string } }
  | { unauthenticated: true };

export interface WebhookBridgeOptions {
  s3: S3Client;
  /**
   * The client that starts pipeline runs, or a function that builds it on the first threshold crossing (the Lambda
   * bundle passes one so a cold start does not load the SageMaker client, which most invocations never use).
   */
  sagemaker: SageMakerClient | (() => SageMakerClient | Promise<SageMakerClient>);
  /** The data lake, `s3://bucket/prefix`: images go to `<lake>/annotated/<label>/<task-id>-<file>`. */
  lake: string;
  /** The pipeline started when the threshold is crossed. */
  pipelineName: string;
  /** New annotations per pipeline run (a crossing every `threshold` annotations). */
  threshold: number;
  /** Pipeline parameter that receives the lake URI (default `DataLakeS3Uri`). */
  pipelineParameterName?: string;
  /** Further fixed pipeline parameters. */
  pipelineParameters?: Record<string, string>;
  auth: WebhookAuth;
  /** Reads images that are not already in S3 (Label Studio uploads, allow-listed http(s)). */
  media: MediaResolver;
  /** Label Studio, to read a project's label config when the event carries none, and for `sync`. */
  labelStudio?: LabelStudioConnection;
  /** Pins the label config instead of trusting the one in each event. */
  labelConfig?: string;
  /** Largest webhook body, bytes (default 5 MiB; a Lambda function URL accepts 6 MB). */
  maxBodyBytes?: number;
  /** Log class counts after each change to the lake (default true), as the seed's CloudWatch logs do. */
  logClassCounts?: boolean;
  /**
   * How often the lake is listed for those counts (default 60 s for annotations, 5 min for the raw zips); in
   * between, this process's own changes are applied, so an event never pays a LIST of the whole lake.
   */
  classCountsRefreshMs?: number;
  /**
   * How long a batch claim whose owner has not recorded the start is left to it (default 5 min); after that, or after
   * a crash, the next crossing check takes it over with the same ClientRequestToken. Set 0 for a backfill that runs
   * while no other bridge process is starting pipelines.
   */
  claimLeaseMs?: number;
  logger?: Logger;
  now?: () => Date;
}

/** A parsed config's size for the cache bound: its labels and names, as UTF-16. */
function configBytes(_key: string, config: ImageClassificationConfig): number {
  return (
    2 * (config.fromName.length + config.toName.length + config.dataKey.length + config.labels.join('').length) +
    64 * config.labels.length
  );
}

/** What the lake holds about one annotation, next to the image (`<lake>/annotations/<project>/<annotation>.json`). */
export interface AnnotationRecord {
  annotationId: number;
  taskId: number;
  projectId: number;
  label: string;
  /** Key of the image in the lake bucket. */
  imageKey: string;
  /** Where the image came from (credentials and tokens redacted). */
  sourceImage: string;
  completedBy: unknown;
  /** `model` when the annotation was made from a prediction without change (auto-label), else `human`. */
  madeBy: 'human' | 'model';
  createdAt: string | null;
  updatedAt: string | null;
  recordedAt: string;
  action: string;
  deletedAt?: string;
}

export type AnnotationOutcome = 'written' | 'moved' | 'unchanged' | 'stale' | 'skipped' | 'deleted';

export interface EventResult {
  status: 'ok' | 'ignored';
  action: string;
  annotations: Array<{
    annotationId: number;
    outcome: AnnotationOutcome;
    imageKey?: string;
    reason?: string;
    /** The annotation's position in the project's count (set once it is counted, whichever delivery did it). */
    position?: number;
    /** True on the delivery that counted the annotation for the first time. */
    counted?: true;
  }>;
  /** Batches whose pipeline execution this event started. */
  started: Array<{ batchId: string; executionArn: string }>;
}

interface BatchClaim {
  batchId: string;
  batch: number;
  projectId: number;
  threshold: number;
  status: 'claimed' | 'started' | 'start-failed';
  claimedAt: string;
  executionArn?: string;
  error?: string;
}

/** The webhook bridge core: pure logic over an event and the injected S3 and SageMaker clients. */
export class WebhookBridge {
  readonly lake: Lake;
  /** The lake's S3 client (sync and tests read through it). */
  readonly s3: S3Client;
  readonly #o: WebhookBridgeOptions;
  readonly #log: Logger;
  readonly #mutex = new KeyedMutex();
  /** Label configs by project, for events without one; bounded (project ids come from the events). */
  readonly #configs = new BoundedCache<ImageClassificationConfig>(256, 16 * 2 ** 20, configBytes);
  /** Batches known started, so a crossing check costs no S3 call; a cache, so it is emptied when it grows large. */
  readonly #doneBatches = new Set<string>();
  readonly #counter: AnnotationCounter;
  readonly #raw: RawClassCounts;
  readonly #annotated: AnnotatedClassCounts;
  #countsInFlight: Promise<void> | undefined;
  #sagemaker: Promise<SageMakerClient> | undefined;
  #countsAgain = false;

  constructor(options: WebhookBridgeOptions) {
    this.lake = parseLake(options.lake);
    if (!Number.isInteger(options.threshold) || options.threshold < 1) {
      throw new BridgeConfigError(`threshold must be a positive integer, got ${String(options.threshold)}`);
    }
    if (!options.pipelineName) throw new BridgeConfigError('pipelineName is required');
    const auth = options.auth as Partial<{
      sharedSecret: string;
      basicAuth: { user: string; pass: string };
      unauthenticated: true;
    }>;
    if (!auth || (!auth.sharedSecret && !auth.basicAuth && auth.unauthenticated !== true)) {
      throw new BridgeConfigError(
        'auth is required: { sharedSecret } or { basicAuth }, or { unauthenticated: true } for a local test',
      );
    }
    if (auth.sharedSecret !== undefined && auth.sharedSecret.length < 16) {
      throw new BridgeConfigError('auth.sharedSecret must be at least 16 characters');
    }
    this.#o = options;
    this.s3 = options.s3;
    this.#log = options.logger ?? silentLogger;
    this.#counter = new AnnotationCounter(options.s3, this.lake, this.#mutex);
    this.#raw = new RawClassCounts(options.classCountsRefreshMs ?? 5 * 60_000);
    this.#annotated = new AnnotatedClassCounts(options.classCountsRefreshMs ?? 60_000);
  }

  get maxBodyBytes(): number {
    return this.#o.maxBodyBytes ?? 5 * 2 ** 20;
  }

  /** Checks the request's credentials; throws UnauthorizedError. Header names are matched case-insensitively. */
  authenticate(headers: Record<string, string | undefined>): void {
    const get = (name: string) =>
      headers[name] ??
      headers[name.toLowerCase()] ??
      Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const auth = this.#o.auth;
    if ('unauthenticated' in auth) return;
    if ('basicAuth' in auth) {
      if (!basicAuthMatches(get('authorization'), auth.basicAuth.user, auth.basicAuth.pass)) {
        throw new UnauthorizedError('basic auth required: add an Authorization header to the webhook in Label Studio');
      }
      return;
    }
    const header = auth.header ?? 'x-labeling-bridge-secret';
    // The Authorization header counts only with its scheme (`Bearer`, any case): a bare secret there is refused.
    const given = get(header) ?? authorizationCredentials(get('authorization'), 'bearer');
    if (given === undefined || !safeEqual(given, auth.sharedSecret)) {
      throw new UnauthorizedError(
        `missing or wrong shared secret: send it in the ${header} header (or Authorization: Bearer …)`,
      );
    }
  }

  /** The whole request path for an adapter: auth, size limit, JSON, validation, processing, error mapping. */
  async handleRequest(request: {
    headers: Record<string, string | undefined>;
    body: string | Buffer;
  }): Promise<{ status: number; body: unknown }> {
    try {
      this.authenticate(request.headers);
      const size = typeof request.body === 'string' ? Buffer.byteLength(request.body) : request.body.length;
      if (size > this.maxBodyBytes) throw new RequestBodyTooLargeError(this.maxBodyBytes);
      const result = await this.processEvent(parseJson(request.body));
      return { status: 200, body: result };
    } catch (error) {
      const { status, body } = errorBody(error);
      if (status >= 500) this.#log.error('webhook event failed', { error: (error as Error).message });
      else if (status !== 401) this.#log.warn('webhook event refused', { status, error: (error as Error).message });
      return { status, body };
    }
  }

  /** Processes one (already authenticated) Label Studio webhook event. Idempotent: a duplicate changes nothing. */
  async processEvent(body: unknown): Promise<EventResult> {
    const base = anyEvent.safeParse(body);
    if (!base.success) throw zodToPayloadError(base.error, 'webhook event');
    const action = base.data.action;
    const result: EventResult = { status: 'ok', action, annotations: [], started: [] };
    let projectId: number | undefined;
    let changed = false;
    if (action === 'ANNOTATION_CREATED' || action === 'ANNOTATION_UPDATED') {
      const parsed = singleAnnotationEvent.safeParse(body);
      if (!parsed.success) throw zodToPayloadError(parsed.error, `${action} event (needs send_payload=true)`);
      const { annotation, task, project } = parsed.data;
      projectId = this.#projectIdOf(annotation, task, project);
      const config = await this.#labelConfig(projectId, project);
      const outcome = await this.upsertAnnotation(projectId, config, annotation, task, action);
      result.annotations.push(outcome);
      changed = outcome.outcome === 'written' || outcome.outcome === 'moved';
    } else if (action === 'ANNOTATIONS_CREATED') {
      const parsed = bulkAnnotationEvent.safeParse(body);
      if (!parsed.success) throw zodToPayloadError(parsed.error, 'ANNOTATIONS_CREATED event');
      const { annotation: annotations, task: tasks, project } = parsed.data;
      const tasksById = new Map(tasks.map((t) => [t.id, t]));
      const items: Array<{ projectId: number; config: ImageClassificationConfig; annotation: Annotation; task: Task }> =
        [];
      for (const [i, annotation] of annotations.entries()) {
        const taskId = typeof annotation.task === 'object' ? annotation.task.id : annotation.task;
        const task = taskId === undefined ? tasks[i] : tasksById.get(taskId);
        if (!task)
          throw new InvalidPayloadError(
            `annotation ${annotation.id} refers to task ${String(taskId)}, which is not in the event`,
            `$.annotation[${i}].task`,
          );
        const itemProject = this.#projectIdOf(annotation, task, project);
        const config = await this.#labelConfig(itemProject, project);
        // Every annotation is checked before the first is written: a bad one refuses the event with nothing written.
        this.#prepare(itemProject, config, annotation, task);
        items.push({ projectId: itemProject, config, annotation, task });
      }
      for (const item of items) {
        projectId = item.projectId;
        const outcome = await this.upsertAnnotation(item.projectId, item.config, item.annotation, item.task, action);
        result.annotations.push(outcome);
        changed ||= outcome.outcome === 'written' || outcome.outcome === 'moved';
      }
    } else if (action === 'ANNOTATIONS_DELETED') {
      const parsed = deletedEvent.safeParse(body);
      if (!parsed.success) throw zodToPayloadError(parsed.error, 'ANNOTATIONS_DELETED event');
      projectId = parsed.data.project.id;
      for (const { id } of parsed.data.annotations) {
        const outcome = await this.deleteAnnotation(projectId, id);
        result.annotations.push(outcome);
        changed ||= outcome.outcome === 'deleted';
      }
    } else if (action === 'TASKS_DELETED') {
      const deleted = await deleteTasks(this, body);
      result.annotations.push(...deleted.annotations);
      changed = deleted.annotations.some((a) => a.outcome === 'deleted');
    } else {
      return { ...result, status: 'ignored' };
    }
    const position = Math.max(0, ...result.annotations.map((a) => a.position ?? 0));
    if (projectId !== undefined && position > 0) {
      result.started.push(
        ...(await this.#startDueBatches(projectId, Math.floor(position / this.#o.threshold), position)),
      );
    }
    if (changed && this.#o.logClassCounts !== false) await this.logClassCounts();
    return result;
  }

  #projectIdOf(annotation: Annotation, task: Task, project: Project | undefined): number {
    const fromAnnotation =
      typeof annotation.project === 'object' && annotation.project !== null
        ? annotation.project.id
        : annotation.project;
    const id = project?.id ?? fromAnnotation ?? task.project;
    if (id === undefined || id === null) throw new InvalidPayloadError('no project id in the event', '$.project.id');
    return id;
  }

  async #labelConfig(projectId: number, project: Project | undefined): Promise<ImageClassificationConfig> {
    if (this.#o.labelConfig) return this.#cachedConfig(projectId, this.#o.labelConfig);
    if (project?.label_config) return this.#cachedConfig(projectId, project.label_config);
    const cached = this.#configs.get(String(projectId));
    if (cached) return cached;
    if (!this.#o.labelStudio) {
      throw new InvalidPayloadError(
        'the event carries no project.label_config: enable send_payload on the webhook, or configure labelStudio/labelConfig',
        '$.project.label_config',
      );
    }
    const fetched = await this.#o.labelStudio.api<{ label_config: string }>('GET', `/api/projects/${projectId}/`);
    return this.#cachedConfig(projectId, fetched.label_config);
  }

  #cachedConfig(projectId: number, xml: string): ImageClassificationConfig {
    const config = parseLabelConfig(xml);
    this.#configs.set(String(projectId), config);
    return config;
  }

  #recordKey(projectId: number, annotationId: number): string {
    return lakeKey(this.lake, 'annotations', projectId, `${annotationId}.json`);
  }

  /**
   * Everything about an annotation that can be checked without writing: its choice, its label against the config and
   * the folder-name rule, its image URL against the media policy. Returns a skip outcome or what the write needs.
   */
  #prepare(
    projectId: number,
    config: ImageClassificationConfig,
    annotation: Annotation,
    task: Task,
  ):
    | { skip: EventResult['annotations'][number] }
    | { label: string; imageUrl: string; location: MediaLocation; imageKey: string } {
    const annotationId = annotation.id;
    if (annotation.was_cancelled) {
      return { skip: { annotationId, outcome: 'skipped', reason: 'annotation was cancelled (skipped task)' } };
    }
    const index = annotation.result.findIndex((item) => {
      const parsed = choicesResultHead.safeParse(item);
      return parsed.success && parsed.data.from_name === config.fromName;
    });
    if (index === -1) {
      return { skip: { annotationId, outcome: 'skipped', reason: `no choices result for ${config.fromName}` } };
    }
    const choice = choicesResult.safeParse(annotation.result[index]);
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
    const location = this.#o.media.locate(imageUrl);
    const imageKey = lakeKey(this.lake, 'annotated', label, `${task.id}-${mediaFileName(imageUrl)}`);
    // Touches the record key too, so a project or annotation id that cannot be a key fails here, before any write.
    this.#recordKey(projectId, annotationId);
    return { label, imageUrl, location, imageKey };
  }

  /** Writes (or moves) one annotation's image and record. The answer is sent only after both are in S3. */
  async upsertAnnotation(
    projectId: number,
    config: ImageClassificationConfig,
    annotation: Annotation,
    task: Task,
    action: string,
  ): Promise<EventResult['annotations'][number]> {
    const annotationId = annotation.id;
    const prepared = this.#prepare(projectId, config, annotation, task);
    if ('skip' in prepared) return prepared.skip;
    const { label, imageUrl, location, imageKey } = prepared;
    const recordKey = this.#recordKey(projectId, annotationId);
    const updatedAt = annotation.updated_at ?? annotation.created_at ?? null;

    return this.#mutex.run(recordKey, async () => {
      const existing = await getJson<AnnotationRecord>(this.#o.s3, this.lake.bucket, recordKey);
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
          await this.#copyWithinLake(moveFrom, imageKey).catch(() =>
            this.#writeImage(location, imageUrl, imageKey, annotationId, task.id),
          );
        } else {
          await this.#writeImage(location, imageUrl, imageKey, annotationId, task.id);
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
          recordedAt: (this.#o.now?.() ?? new Date()).toISOString(),
          action,
        };
        await putJson(this.#o.s3, this.lake.bucket, recordKey, record);
        if (moveFrom) await this.#o.s3.send(new DeleteObjectCommand({ Bucket: this.lake.bucket, Key: moveFrom }));
        if (moveFrom && previous) this.#annotated.apply(previous.label, -1);
        if (!previous || previous.deletedAt || moveFrom) this.#annotated.apply(label, 1);
        this.#log.info(moveFrom ? 'annotation moved' : 'annotation stored', {
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
      const { position, first } = await this.#counter.position(projectId, annotationId);
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

  async #writeImage(
    location: ReturnType<MediaResolver['locate']>,
    imageUrl: string,
    key: string,
    annotationId: number,
    taskId: number,
  ): Promise<void> {
    const metadata = { 'annotation-id': String(annotationId), 'task-id': String(taskId) };
    if (location.kind === 'inline') {
      await this.#o.s3.send(
        new PutObjectCommand({
          Bucket: this.lake.bucket,
          Key: key,
          Body: location.bytes,
          ContentType: location.contentType,
          Metadata: metadata,
        }),
      );
      return;
    }
    if (location.kind === 's3') {
      try {
        await this.#o.s3.send(
          new CopyObjectCommand({
            Bucket: this.lake.bucket,
            Key: key,
            CopySource: `${location.bucket}/${encodeURIComponent(location.key).replace(/%2F/g, '/')}`,
            Metadata: metadata,
            MetadataDirective: 'REPLACE',
          }),
        );
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        const name = (error as Error).name;
        // A missing or unreadable source is the event's problem (4xx); anything else is ours (5xx).
        const sourceProblem =
          status === 404 ||
          status === 403 ||
          name === 'NoSuchKey' ||
          name === 'NoSuchBucket' ||
          name === 'AccessDenied';
        throw new MediaFetchError(location.url, `CopyObject failed: ${name}: ${(error as Error).message}`, {
          httpStatus: sourceProblem ? 422 : 502,
          cause: error,
        });
      }
      return;
    }
    const stream = await this.#o.media.open(imageUrl);
    // Streamed when the length is known (the SDK needs it for a plain PutObject); otherwise buffered within maxBytes.
    const body =
      stream.contentLength === undefined ? await readAll(stream.body, this.#o.media.maxBytes, imageUrl) : stream.body;
    // A source that fails mid-body fails the upload too (nothing is stored); answer with the source's error, not S3's.
    let sourceError: unknown;
    stream.body.once('error', (error) => {
      sourceError = error;
    });
    try {
      await this.#o.s3.send(
        new PutObjectCommand({
          Bucket: this.lake.bucket,
          Key: key,
          Body: body,
          ...(stream.contentLength === undefined ? {} : { ContentLength: stream.contentLength }),
          ContentType: stream.contentType ?? 'application/octet-stream',
          Metadata: metadata,
        }),
      );
    } catch (error) {
      if (sourceError !== undefined) throw asMediaFetchError(sourceError, imageUrl);
      throw error;
    }
  }

  async #copyWithinLake(from: string, to: string): Promise<void> {
    await this.#o.s3.send(
      new CopyObjectCommand({
        Bucket: this.lake.bucket,
        Key: to,
        CopySource: `${this.lake.bucket}/${encodeURIComponent(from).replace(/%2F/g, '/')}`,
      }),
    );
  }

  /** Removes a deleted annotation's image and leaves a tombstone record, so a late duplicate cannot bring it back. */
  async deleteAnnotation(projectId: number, annotationId: number): Promise<EventResult['annotations'][number]> {
    const recordKey = this.#recordKey(projectId, annotationId);
    return this.#mutex.run(recordKey, async () => {
      const existing = await getJson<AnnotationRecord>(this.#o.s3, this.lake.bucket, recordKey);
      if (!existing || existing.value.deletedAt)
        return { annotationId, outcome: 'unchanged' as const, reason: 'not in the lake' };
      // Tombstone first: a crash before the image is gone leaves an orphan image, which the sweep removes, never a
      // live record pointing at a missing image.
      const now = (this.#o.now?.() ?? new Date()).toISOString();
      await putJson(this.#o.s3, this.lake.bucket, recordKey, {
        ...existing.value,
        deletedAt: now,
        action: 'ANNOTATIONS_DELETED',
      });
      await this.#o.s3.send(new DeleteObjectCommand({ Bucket: this.lake.bucket, Key: existing.value.imageKey }));
      this.#annotated.apply(existing.value.label, -1);
      this.#log.info('annotation deleted', { projectId, annotationId, key: existing.value.imageKey });
      return { annotationId, outcome: 'deleted' as const, imageKey: existing.value.imageKey };
    });
  }

  /** The stable id of the k-th crossing of a project; also the ClientRequestToken (32–128 characters). */
  batchId(projectId: number, batch: number): string {
    const hash = createHash('sha256')
      .update(`${this.lake.uri}|${this.#o.pipelineName}|${projectId}|${batch}`)
      .digest('hex')
      .slice(0, 32);
    return `lsb-p${projectId}-b${batch}-${hash}`;
  }

  /** Annotations counted so far for a project (each annotation once, deletions included). */
  async annotationCount(projectId: number): Promise<number> {
    return this.#counter.count(projectId);
  }

  /**
   * Starts the pipeline for every crossing not started yet (sync and recovery; events use their position instead).
   * Exactly once per crossing across processes.
   */
  async ensureBatches(projectId: number): Promise<Array<{ batchId: string; executionArn: string }>> {
    const count = await this.annotationCount(projectId);
    return this.#startDueBatches(projectId, Math.floor(count / this.#o.threshold), count);
  }

  /** Deletes images no live record points at (left by a crash between an image and its record); see sweep.ts. */
  sweepOrphanImages(options: { olderThanMs?: number } = {}): Promise<SweepReport> {
    return sweepOrphanImages(this.#o.s3, this.lake, { ...options, now: this.#o.now?.() ?? new Date() });
  }

  /** The injected client, or the one its factory builds (once; a failed build is retried at the next crossing). */
  #sagemakerClient(): Promise<SageMakerClient> {
    const given = this.#o.sagemaker;
    if (typeof given !== 'function') return Promise.resolve(given);
    this.#sagemaker ??= Promise.resolve()
      .then(given)
      .catch((error: unknown) => {
        this.#sagemaker = undefined;
        throw error;
      });
    return this.#sagemaker;
  }

  async #startDueBatches(
    projectId: number,
    due: number,
    count: number,
  ): Promise<Array<{ batchId: string; executionArn: string }>> {
    const started: Array<{ batchId: string; executionArn: string }> = [];
    for (let batch = 1; batch <= due; batch++) {
      if (this.#doneBatches.has(`${projectId}/${batch}`)) continue;
      const outcome = await this.#startBatch(projectId, batch, count);
      if (outcome) started.push(outcome);
    }
    return started;
  }

  async #startBatch(
    projectId: number,
    batch: number,
    count: number,
  ): Promise<{ batchId: string; executionArn: string } | undefined> {
    const key = lakeKey(this.lake, '_bridge', projectId, 'batches', `${batch}.json`);
    const batchId = this.batchId(projectId, batch);
    return this.#mutex.run(key, async () => {
      if (this.#doneBatches.has(`${projectId}/${batch}`)) return undefined;
      const now = (this.#o.now?.() ?? new Date()).toISOString();
      let claim: BatchClaim = {
        batchId,
        batch,
        projectId,
        threshold: this.#o.threshold,
        status: 'claimed',
        claimedAt: now,
      };
      if (!(await putJson(this.#o.s3, this.lake.bucket, key, claim, { ifNoneMatch: true }))) {
        const existing = await getJson<BatchClaim>(this.#o.s3, this.lake.bucket, key);
        if (!existing) return undefined;
        const stuck =
          existing.value.status === 'claimed' &&
          Date.now() - Date.parse(existing.value.claimedAt) >= (this.#o.claimLeaseMs ?? 5 * 60_000);
        if (existing.value.status === 'started' || (existing.value.status === 'claimed' && !stuck)) {
          if (existing.value.status === 'started') this.#doneBatches.add(`${projectId}/${batch}`);
          return undefined;
        }
        // A claim whose start failed (or whose owner died): take it over; the same ClientRequestToken keeps it idempotent.
        claim = { ...existing.value, status: 'claimed', claimedAt: now };
        if (!(await putJson(this.#o.s3, this.lake.bucket, key, claim, existing.etag ? { ifMatch: existing.etag } : {})))
          return undefined;
      }
      try {
        const parameters = [
          { Name: this.#o.pipelineParameterName ?? 'DataLakeS3Uri', Value: this.lake.uri },
          ...Object.entries(this.#o.pipelineParameters ?? {}).map(([Name, Value]) => ({ Name, Value })),
        ];
        // Loaded here, not at module scope: only a threshold crossing needs the SageMaker client's code.
        const { StartPipelineExecutionCommand } = await import('./sagemaker.js');
        const sagemaker = await this.#sagemakerClient();
        const response = await sagemaker.send(
          new StartPipelineExecutionCommand({
            PipelineName: this.#o.pipelineName,
            ClientRequestToken: batchId,
            PipelineExecutionDisplayName: `labeling-p${projectId}-b${batch}`,
            PipelineExecutionDescription: `Label Studio project ${projectId}: ${batch * this.#o.threshold} annotations (batch ${batch})`,
            PipelineParameters: parameters,
          }),
        );
        const executionArn = response.PipelineExecutionArn ?? '';
        await putJson(this.#o.s3, this.lake.bucket, key, { ...claim, status: 'started', executionArn });
        if (this.#doneBatches.size >= 100_000) this.#doneBatches.clear();
        this.#doneBatches.add(`${projectId}/${batch}`);
        this.#log.info('pipeline started', {
          projectId,
          batch,
          batchId,
          annotations: count,
          pipeline: this.#o.pipelineName,
          executionArn,
        });
        return { batchId, executionArn };
      } catch (error) {
        const message = `${(error as Error).name}: ${(error as Error).message}`;
        await putJson(this.#o.s3, this.lake.bucket, key, { ...claim, status: 'start-failed', error: message }).catch(
          () => undefined,
        );
        throw new PipelineStartError(this.#o.pipelineName, batch, error);
      }
    });
  }

  /** Logs the class counts of the raw data set and with the annotations (one JSON line). Coalesces concurrent calls. */
  async logClassCounts(): Promise<void> {
    if (this.#countsInFlight) {
      this.#countsAgain = true;
      return this.#countsInFlight;
    }
    this.#countsInFlight = (async () => {
      do {
        this.#countsAgain = false;
        try {
          const [raw, annotated] = await Promise.all([
            this.#raw.get(this.#o.s3, this.lake),
            this.#annotated.get(this.#o.s3, this.lake),
          ]);
          const withAnnotations = new Map<string, number>();
          addCounts(withAnnotations, raw);
          addCounts(withAnnotations, annotated);
          this.#log.info('class counts', {
            lake: this.lake.uri,
            raw,
            annotated,
            withAnnotations: Object.fromEntries(withAnnotations),
          });
        } catch (error) {
          this.#log.warn('class counts unavailable', { error: (error as Error).message });
        }
      } while (this.#countsAgain);
    })().finally(() => {
      this.#countsInFlight = undefined;
    });
    return this.#countsInFlight;
  }
}

export function createWebhookBridge(options: WebhookBridgeOptions): WebhookBridge {
  return new WebhookBridge(options);
}
