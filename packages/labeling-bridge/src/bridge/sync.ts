import type { LabelStudioConnection } from '../label-studio/connection.js';
import { getJson, lakeKey, listKeys } from './lake.js';
import type { AnnotationRecord, AnnotationOutcome, WebhookBridge } from './core.js';

export interface SyncReport {
  projectId: number;
  tasks: number;
  annotations: number;
  outcomes: Partial<Record<AnnotationOutcome, number>>;
  /** Annotations in the lake that Label Studio no longer has, removed. */
  removed: number;
  /** Images no live record pointed at (left by a crash), removed. */
  orphanImagesRemoved: number;
  started: Array<{ batchId: string; executionArn: string }>;
}

interface ExportedTask {
  id: number;
  data: Record<string, unknown>;
  annotations?: Array<Record<string, unknown> & { id: number }>;
}

/**
 * Backfill: reads every annotation of a project from Label Studio's export API and applies it to the lake through
 * the same idempotent path as webhooks, so annotations whose webhook was lost (bridge down, timeout) arrive, and
 * annotations deleted meanwhile leave. Finishes what a crash left half done (an annotation without its count, a due
 * pipeline start) and removes images no record points at.
 */
export async function syncFromLabelStudio(
  bridge: WebhookBridge,
  labelStudio: LabelStudioConnection,
  projectId: number,
): Promise<SyncReport> {
  const project = await labelStudio.api<{ id: number; label_config: string }>('GET', `/api/projects/${projectId}/`);
  const tasks = await labelStudio.api<ExportedTask[]>(
    'GET',
    `/api/projects/${projectId}/export?exportType=JSON&download_all_tasks=true`,
  );
  const report: SyncReport = {
    projectId,
    tasks: tasks.length,
    annotations: 0,
    outcomes: {},
    removed: 0,
    orphanImagesRemoved: 0,
    started: [],
  };
  const live = new Set<number>();
  for (const task of tasks) {
    for (const annotation of task.annotations ?? []) {
      report.annotations++;
      live.add(annotation.id);
      const event = {
        action: 'ANNOTATION_UPDATED',
        annotation: { ...annotation, task: task.id, project: projectId },
        task: { id: task.id, data: task.data, project: projectId },
        project: { id: project.id, label_config: project.label_config },
      };
      const result = await bridge.processEvent(event);
      for (const a of result.annotations) report.outcomes[a.outcome] = (report.outcomes[a.outcome] ?? 0) + 1;
      report.started.push(...result.started);
    }
  }
  const lake = bridge.lake;
  const s3 = bridge.s3;
  const prefix = `${lakeKey(lake, 'annotations', projectId)}/`;
  for (const { key } of await listKeys(s3, lake.bucket, prefix)) {
    const id = Number(key.slice(prefix.length).replace(/\.json$/, ''));
    if (!Number.isInteger(id) || live.has(id)) continue;
    const record = await getJson<AnnotationRecord>(s3, lake.bucket, key);
    if (!record || record.value.deletedAt) continue;
    const result = await bridge.processEvent({
      action: 'ANNOTATIONS_DELETED',
      annotations: [{ id }],
      project: { id: projectId },
    });
    if (result.annotations.some((a) => a.outcome === 'deleted')) report.removed++;
  }
  report.started.push(...(await bridge.ensureBatches(projectId)));
  report.orphanImagesRemoved = (await bridge.sweepOrphanImages()).removed.length;
  return report;
}
