/**
 * Deleting a task in a real Label Studio (TASKS_DELETED, the event it really sends) removes the task's images from
 * the lake; a placeholder file directly under annotated/ is not counted as a class.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  LabelStudioConnection,
  MediaResolver,
  createWebhookBridge,
  jsonLogger,
  startBridgeServer,
  type WebhookBridge,
} from '../../src/index.js';
import { keys, lakeAndPipeline, motoClients } from '../helpers/aws.js';
import { fashionMnist, labelConfigXml } from '../helpers/images.js';

const lsUrl = inject('labelStudioUrl');
const token = inject('labelStudioToken');
const { s3, sagemaker } = motoClients(inject('motoEndpoint'));
const ls = new LabelStudioConnection({ url: lsUrl, token });
const SECRET = 'task-deletion-secret-0123456789';
const lines: string[] = [];
let bucket: string;
let bridge: WebhookBridge;
let server: { url: string; close(): Promise<void> };
let projectId: number;
let taskIds: number[];

async function annotate(taskId: number, label: string): Promise<number> {
  const created = await ls.api<{ id: number }>('POST', `/api/tasks/${taskId}/annotations/`, {
    result: [{ from_name: 'choice', to_name: 'image', type: 'choices', value: { choices: [label] } }],
    was_cancelled: false,
    lead_time: 1,
  });
  return created.id;
}

beforeAll(async () => {
  let pipelineName: string;
  ({ bucket, pipelineName } = await lakeAndPipeline(s3, sagemaker, 'taskdel'));
  // What the demo's data step writes so the annotated/ prefix is never empty.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'lake/annotated/README.txt', Body: 'placeholder' }));
  bridge = createWebhookBridge({
    s3,
    sagemaker,
    lake: `s3://${bucket}/lake`,
    pipelineName,
    threshold: 100,
    auth: { sharedSecret: SECRET },
    media: new MediaResolver({ labelStudio: ls, s3 }),
    labelStudio: ls,
    logger: jsonLogger((line) => lines.push(line)),
  });
  server = await startBridgeServer(bridge);
  const project = await ls.api<{ id: number }>('POST', '/api/projects/', {
    title: 'task-deletion',
    label_config: labelConfigXml(),
  });
  projectId = project.id;
  const form = new FormData();
  for (const image of fashionMnist(3))
    form.append(`f${image.index}`, new Blob([image.png], { type: 'image/png' }), `fashion-${image.index}.png`);
  const imported = await fetch(`${lsUrl}/api/projects/${projectId}/import`, {
    method: 'POST',
    headers: { authorization: `Token ${token}` },
    body: form,
  });
  expect(imported.status).toBe(201);
  const page = await ls.api<{ tasks: Array<{ id: number }> }>('GET', `/api/tasks/?project=${projectId}&page_size=10`);
  taskIds = page.tasks.map((t) => t.id).sort((a, b) => a - b);
  await ls.api('POST', '/api/webhooks/', {
    project: projectId,
    url: `${server.url}/webhook`,
    send_payload: true,
    send_for_all_actions: false,
    actions: ['ANNOTATION_CREATED', 'ANNOTATION_UPDATED', 'ANNOTATIONS_DELETED', 'TASKS_DELETED'],
    headers: { 'x-labeling-bridge-secret': SECRET },
    is_active: true,
  });
});

afterAll(async () => {
  await server?.close();
});

describe('task deletion in a real Label Studio', () => {
  it('removes the images of a deleted task from the lake and keeps the others', async () => {
    const [first, second, third] = taskIds as [number, number, number];
    await annotate(first, 'Bag');
    await annotate(second, 'Coat');
    await annotate(third, 'Bag');
    const images = (await keys(s3, bucket, 'lake/annotated/')).filter((k) => k.endsWith('.png'));
    expect(images).toHaveLength(3);

    // One task through the task API, one through the Data Manager's "Delete tasks" action.
    const deleted = await fetch(`${lsUrl}/api/tasks/${first}/`, {
      method: 'DELETE',
      headers: { authorization: `Token ${token}` },
    });
    expect(deleted.status).toBe(204);
    const action = await fetch(`${lsUrl}/api/dm/actions?id=delete_tasks&project=${projectId}`, {
      method: 'POST',
      headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ selectedItems: { all: false, included: [second] } }),
    });
    expect(action.status, await action.clone().text()).toBe(200);

    // Label Studio without a job queue delivers webhooks inside the request, so the lake is up to date now.
    const left = (await keys(s3, bucket, 'lake/annotated/')).filter((k) => k.endsWith('.png'));
    expect(left).toEqual([expect.stringMatching(new RegExp(`^lake/annotated/Bag/${third}-`))]);
    const counts = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'class counts')
      .at(-1);
    // README.txt (directly under annotated/) is not a class.
    expect(counts?.annotated).toEqual({ Bag: 1 });
  });

  it('handles the project-less form (all tasks of a project deleted) and a repeated event', async () => {
    const event = { action: 'TASKS_DELETED', tasks: [{ id: taskIds[2] as number }] };
    const once = await bridge.processEvent(event);
    expect(once.annotations.map((a) => a.outcome)).toEqual(['deleted']);
    const again = await bridge.processEvent(event);
    expect(again.annotations).toEqual([]);
    expect((await keys(s3, bucket, 'lake/annotated/')).filter((k) => k.endsWith('.png'))).toEqual([]);
  });
});
