import * as z from 'zod/mini';
import { zodToPayloadError } from '../http-util.js';
import { safeParse } from '../zod-parse.js';
import type { AnnotationRecord, EventResult, WebhookBridge } from './core.js';
import { getJson, lakeKey, listKeys } from './lake.js';

/**
 * Label Studio 1.23's event for deleted tasks (Data Manager "Delete tasks", DELETE /api/tasks/<id>/): only the ids,
 * `{"action": "TASKS_DELETED", "tasks": [{"id": 7}], "project": {...}}`. `project` is missing when all of a
 * project's tasks are deleted through DELETE /api/projects/<id>/tasks/. A task's annotations go with it without an
 * ANNOTATIONS_DELETED event, so their images are removed here.
 */
export const tasksDeletedEvent = z.looseObject({
  action: z.literal('TASKS_DELETED'),
  tasks: z.array(z.looseObject({ id: z.int().check(z.nonnegative()) })).check(z.maxLength(100_000)),
  project: z.optional(z.looseObject({ id: z.int().check(z.nonnegative()) })),
});

/**
 * Removes the lake images of every annotation of the deleted tasks (each through `deleteAnnotation`, so the record
 * becomes a tombstone and a late duplicate cannot bring the image back). Idempotent.
 */
export async function deleteTasks(
  bridge: WebhookBridge,
  body: unknown,
): Promise<{ projectIds: number[]; annotations: EventResult['annotations'] }> {
  const parsed = safeParse(tasksDeletedEvent, body);
  if (!parsed.success) throw zodToPayloadError(parsed.error, 'TASKS_DELETED event');
  const taskIds = new Set(parsed.data.tasks.map((t) => t.id));
  const annotations: EventResult['annotations'] = [];
  const projectIds = new Set<number>();
  if (taskIds.size === 0) return { projectIds: [], annotations };
  const base = parsed.data.project
    ? `${lakeKey(bridge.lake, 'annotations', parsed.data.project.id)}/`
    : `${lakeKey(bridge.lake, 'annotations')}/`;
  for (const { key } of await listKeys(bridge.s3, bridge.lake.bucket, base)) {
    if (!key.endsWith('.json')) continue;
    const record = await getJson<AnnotationRecord>(bridge.s3, bridge.lake.bucket, key);
    if (!record || record.value.deletedAt || !taskIds.has(record.value.taskId)) continue;
    projectIds.add(record.value.projectId);
    annotations.push(await bridge.deleteAnnotation(record.value.projectId, record.value.annotationId));
  }
  return { projectIds: [...projectIds], annotations };
}
