import type { S3Client } from '@aws-sdk/client-s3';
import { BridgeConfigError, InvalidPayloadError, RequestBodyTooLargeError } from '../errors.js';
import { errorBody, parseJson, zodToPayloadError } from '../http-util.js';
import { safeParse } from '../zod-parse.js';
import type { ImageClassificationConfig } from '../label-config.js';
import { silentLogger, type Logger } from '../logger.js';
import { AnnotationCounter } from './counter.js';
import { LakeAnnotations } from './annotations.js';
import { BatchStarter } from './batches.js';
import { ClassCountLog } from './class-count-log.js';
import { LakeImageWriter } from './image-writer.js';
import { ProjectLabelConfigs } from './label-configs.js';
import { KeyedMutex, parseLake, type Lake } from './lake.js';
import { type SweepReport, sweepOrphanImages } from './sweep.js';
import { deleteTasks } from './task-deletion.js';
import {
  anyEvent,
  bulkAnnotationEvent,
  deletedEvent,
  singleAnnotationEvent,
  type Annotation,
  type Project,
  type Task,
} from './schemas.js';
import type { AnnotationResult, EventResult, WebhookBridgeOptions } from './types.js';
import { assertWebhookAuth, checkWebhookAuth } from './webhook-auth.js';

export type {
  AnnotationOutcome,
  AnnotationRecord,
  EventResult,
  WebhookAuth,
  WebhookBridgeOptions,
} from './types.js';

/**
 * The webhook bridge core: pure logic over an event and the injected S3 and SageMaker clients. It routes each event;
 * the lake's annotations (annotations.ts), the count (counter.ts), the pipeline starts (batches.ts) and the class
 * counts log (class-count-log.ts) do the work.
 */
export class WebhookBridge {
  readonly lake: Lake;
  /** The lake's S3 client (sync and tests read through it). */
  readonly s3: S3Client;
  readonly #o: WebhookBridgeOptions;
  readonly #log: Logger;
  readonly #configs: ProjectLabelConfigs;
  readonly #counter: AnnotationCounter;
  readonly #annotations: LakeAnnotations;
  readonly #batches: BatchStarter;
  readonly #classCounts: ClassCountLog;

  constructor(options: WebhookBridgeOptions) {
    this.lake = parseLake(options.lake);
    if (!Number.isInteger(options.threshold) || options.threshold < 1) {
      throw new BridgeConfigError(`threshold must be a positive integer, got ${String(options.threshold)}`);
    }
    if (!options.pipelineName) throw new BridgeConfigError('pipelineName is required');
    assertWebhookAuth(options.auth);
    this.#o = options;
    this.s3 = options.s3;
    this.#log = options.logger ?? silentLogger;
    const mutex = new KeyedMutex();
    this.#configs = new ProjectLabelConfigs(options);
    this.#counter = new AnnotationCounter(options.s3, this.lake, mutex);
    this.#classCounts = new ClassCountLog(options.s3, this.lake, this.#log, options.classCountsRefreshMs);
    this.#annotations = new LakeAnnotations(
      options.s3,
      this.lake,
      mutex,
      options.media,
      new LakeImageWriter(options.s3, this.lake, options.media),
      this.#counter,
      this.#classCounts.annotated,
      this.#log,
      () => options.now?.() ?? new Date(),
    );
    this.#batches = new BatchStarter(options.s3, this.lake, mutex, options, this.#log);
  }

  get maxBodyBytes(): number {
    return this.#o.maxBodyBytes ?? 5 * 2 ** 20;
  }

  /** Checks the request's credentials; throws UnauthorizedError. Header names are matched case-insensitively. */
  authenticate(headers: Record<string, string | undefined>): void {
    checkWebhookAuth(this.#o.auth, headers);
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
    const base = safeParse(anyEvent, body);
    if (!base.success) throw zodToPayloadError(base.error, 'webhook event');
    const action = base.data.action;
    const result: EventResult = { status: 'ok', action, annotations: [], started: [] };
    let projectId: number | undefined;
    let changed = false;
    if (action === 'ANNOTATION_CREATED' || action === 'ANNOTATION_UPDATED') {
      const parsed = safeParse(singleAnnotationEvent, body);
      if (!parsed.success) throw zodToPayloadError(parsed.error, `${action} event (needs send_payload=true)`);
      const { annotation, task, project } = parsed.data;
      projectId = this.#projectIdOf(annotation, task, project);
      const config = await this.#configs.get(projectId, project);
      const outcome = await this.upsertAnnotation(projectId, config, annotation, task, action);
      result.annotations.push(outcome);
      changed = outcome.outcome === 'written' || outcome.outcome === 'moved';
    } else if (action === 'ANNOTATIONS_CREATED') {
      const parsed = safeParse(bulkAnnotationEvent, body);
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
        const config = await this.#configs.get(itemProject, project);
        // Every annotation is checked before the first is written: a bad one refuses the event with nothing written.
        this.#annotations.prepare(itemProject, config, annotation, task);
        items.push({ projectId: itemProject, config, annotation, task });
      }
      for (const item of items) {
        projectId = item.projectId;
        const outcome = await this.upsertAnnotation(item.projectId, item.config, item.annotation, item.task, action);
        result.annotations.push(outcome);
        changed ||= outcome.outcome === 'written' || outcome.outcome === 'moved';
      }
    } else if (action === 'ANNOTATIONS_DELETED') {
      const parsed = safeParse(deletedEvent, body);
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
        ...(await this.#batches.startDue(projectId, Math.floor(position / this.#o.threshold), position)),
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

  /** Writes (or moves) one annotation's image and record. The answer is sent only after both are in S3. */
  upsertAnnotation(
    projectId: number,
    config: ImageClassificationConfig,
    annotation: Annotation,
    task: Task,
    action: string,
  ): Promise<AnnotationResult> {
    return this.#annotations.upsert(projectId, config, annotation, task, action);
  }

  /** Removes a deleted annotation's image and leaves a tombstone record, so a late duplicate cannot bring it back. */
  deleteAnnotation(projectId: number, annotationId: number): Promise<AnnotationResult> {
    return this.#annotations.delete(projectId, annotationId);
  }

  /** The stable id of the k-th crossing of a project; also the ClientRequestToken (32–128 characters). */
  batchId(projectId: number, batch: number): string {
    return this.#batches.batchId(projectId, batch);
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
    return this.#batches.startDue(projectId, Math.floor(count / this.#o.threshold), count);
  }

  /** Deletes images no live record points at (left by a crash between an image and its record); see sweep.ts. */
  sweepOrphanImages(options: { olderThanMs?: number } = {}): Promise<SweepReport> {
    return sweepOrphanImages(this.#o.s3, this.lake, { ...options, now: this.#o.now?.() ?? new Date() });
  }

  /** Logs the class counts of the raw data set and with the annotations (one JSON line). Coalesces concurrent calls. */
  logClassCounts(): Promise<void> {
    return this.#classCounts.log();
  }
}

export function createWebhookBridge(options: WebhookBridgeOptions): WebhookBridge {
  return new WebhookBridge(options);
}
