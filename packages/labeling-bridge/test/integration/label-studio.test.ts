/**
 * End to end against a real Label Studio (started once per run by label-studio-global-setup.ts) and moto's S3 and
 * SageMaker: predictions through our ML backend, annotations through the webhook bridge into the lake, the pipeline
 * started exactly once at the threshold, label changes, deletions, START_TRAINING, backfill, auto-label, PAT tokens.
 */
import { ListPipelineParametersForExecutionCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  LabelStudioConnection,
  MediaResolver,
  autoLabelProject,
  createMlBackend,
  createWebhookBridge,
  jsonLogger,
  startBridgeServer,
  syncFromLabelStudio,
  type AnnotationRecord,
  type MlBackend,
} from '../../src/index.js';
import { bytesOf, eventually, executions, keys, lakeAndPipeline, motoClients } from '../helpers/aws.js';
import { FASHION_LABELS, fashionMnist, labelConfigXml, pngSizePredictor } from '../helpers/images.js';

const lsUrl = inject('labelStudioUrl');
const token = inject('labelStudioToken');
const { s3, sagemaker } = motoClients(inject('motoEndpoint'));
const ls = new LabelStudioConnection({ url: lsUrl, token });
const SECRET = 'a-shared-secret-of-some-length';
const THRESHOLD = 3;
const images = fashionMnist(8);
const predictor = pngSizePredictor();

let bucket: string;
let pipelineName: string;
let projectId: number;
let tasks: Array<{ id: number; image: string; png: Buffer }> = [];
let backend: MlBackend;
let backendServer: { url: string; close(): Promise<void> };
let bridgeServer: { url: string; close(): Promise<void> } | undefined;
let mlBackendId: number;
let webhookId: number;
const trainingEvents: Array<Record<string, unknown>> = [];
const logLines: string[] = [];

function bridge() {
  return createWebhookBridge({
    s3,
    sagemaker,
    lake: `s3://${bucket}/lake`,
    pipelineName,
    threshold: THRESHOLD,
    auth: { sharedSecret: SECRET },
    media: new MediaResolver({ labelStudio: ls, s3, allowedBuckets: [bucket] }),
    labelStudio: ls,
    logger: jsonLogger((line) => logLines.push(line)),
  });
}

async function annotate(taskId: number, label: string): Promise<number> {
  const created = await ls.api<{ id: number }>('POST', `/api/tasks/${taskId}/annotations/`, {
    result: [{ from_name: 'choice', to_name: 'image', type: 'choices', value: { choices: [label] } }],
    was_cancelled: false,
    lead_time: 1.5,
  });
  return created.id;
}

async function record(annotationId: number): Promise<AnnotationRecord> {
  return JSON.parse(
    (await bytesOf(s3, bucket, `lake/annotations/${projectId}/${annotationId}.json`)).toString(),
  ) as AnnotationRecord;
}

beforeAll(async () => {
  ({ bucket, pipelineName } = await lakeAndPipeline(s3, sagemaker, 'ls'));
  backend = createMlBackend({
    predictor,
    media: new MediaResolver({ labelStudio: ls }),
    basicAuth: { user: 'ls', pass: 'backend-pass' },
    onStartTraining: async (event) => {
      trainingEvents.push(event);
      return { job: 'training-job-1' };
    },
  });
  backendServer = await backend.listen(0);
  bridgeServer = await startBridgeServer(bridge());

  const project = await ls.api<{ id: number }>('POST', '/api/projects/', {
    title: 'fashion',
    label_config: labelConfigXml(),
  });
  projectId = project.id;
  const form = new FormData();
  for (const image of images)
    form.append(`file${image.index}`, new Blob([image.png], { type: 'image/png' }), `fashion-${image.index}.png`);
  const imported = await fetch(`${lsUrl}/api/projects/${projectId}/import`, {
    method: 'POST',
    headers: { authorization: `Token ${token}` },
    body: form,
  });
  expect(imported.status, await imported.clone().text()).toBe(201);
  const page = await ls.api<{ tasks: Array<{ id: number; data: { image: string } }> }>(
    'GET',
    `/api/tasks/?project=${projectId}&page_size=100`,
  );
  tasks = page.tasks
    .sort((a, b) => a.id - b.id)
    .map((t) => {
      const index = Number(/fashion-(\d+)\.png$/.exec(t.data.image)?.[1]);
      return { id: t.id, image: t.data.image, png: images[index]?.png as Buffer };
    });
  expect(tasks).toHaveLength(images.length);
  expect(tasks[0]?.image).toMatch(/^\/data\/upload\/\d+\/.+\.png$/);

  const ml = await ls.api<{ id: number }>('POST', '/api/ml/', {
    url: backendServer.url,
    project: projectId,
    title: 'sagemaker-endpoint',
    is_interactive: false,
    auth_method: 'BASIC_AUTH',
    basic_auth_user: 'ls',
    basic_auth_pass: 'backend-pass',
  });
  mlBackendId = ml.id;
  const hook = await ls.api<{ id: number }>('POST', '/api/webhooks/', {
    project: projectId,
    url: `${bridgeServer.url}/webhook`,
    send_payload: true,
    send_for_all_actions: false,
    actions: ['ANNOTATION_CREATED', 'ANNOTATIONS_CREATED', 'ANNOTATION_UPDATED', 'ANNOTATIONS_DELETED'],
    headers: { 'x-labeling-bridge-secret': SECRET },
    is_active: true,
  });
  webhookId = hook.id;
});

afterAll(async () => {
  await bridgeServer?.close();
  await backendServer?.close();
});

describe('ML backend connected to a real Label Studio', () => {
  it('is connected: Label Studio called /health and /setup with basic auth and stored our model version', async () => {
    const ml = await ls.api<{ state: string; model_version: string | null }>('GET', `/api/ml/${mlBackendId}`);
    expect(ml.state).toBe('CO');
    expect(backend.metrics().requests).toMatchObject({ 'POST /setup': expect.any(Number) });
  });

  it('returns one choices prediction per task, with score and model_version, computed from the uploaded bytes', async () => {
    const answer = await fetch(`${lsUrl}/api/dm/actions?id=retrieve_tasks_predictions&project=${projectId}`, {
      method: 'POST',
      headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ selectedItems: { all: true, excluded: [] } }),
    });
    expect(answer.status, await answer.clone().text()).toBe(200);
    for (const task of tasks) {
      const predictions = await ls.api<
        Array<{
          result: Array<{ value: { choices: string[] }; from_name: string; to_name: string }>;
          score: number;
          model_version: string;
        }>
      >('GET', `/api/predictions/?task=${task.id}`);
      expect(predictions).toHaveLength(1);
      const expected = (await predictor(new Uint8Array(task.png))).label;
      expect(predictions[0]?.result[0]).toMatchObject({
        from_name: 'choice',
        to_name: 'image',
        value: { choices: [expected] },
      });
      expect(FASHION_LABELS).toContain(predictions[0]?.result[0]?.value.choices[0]);
      expect(predictions[0]?.score).toBeCloseTo(0.91);
      expect(predictions[0]?.model_version).toBe('png-size/1');
    }
  });

  it('forwards START_TRAINING from the "Start training" button', async () => {
    await ls.api('POST', `/api/ml/${mlBackendId}/train`, {});
    expect(trainingEvents.at(-1)).toMatchObject({ action: 'START_TRAINING', project: { id: projectId } });
  });
});

describe('webhook bridge fed by a real Label Studio', () => {
  const annotationIds: number[] = [];

  it('copies each annotated image into the lake with a record, and starts the pipeline exactly once at the threshold', async () => {
    for (const [i, task] of tasks.slice(0, THRESHOLD - 1).entries()) {
      annotationIds.push(await annotate(task.id, FASHION_LABELS[i] as string));
    }
    for (const [i, task] of tasks.slice(0, THRESHOLD - 1).entries()) {
      const key = `lake/annotated/${FASHION_LABELS[i]}/${task.id}-${task.image.split('/').pop()}`;
      expect((await bytesOf(s3, bucket, key)).equals(task.png)).toBe(true);
      const rec = await record(annotationIds[i] as number);
      expect(rec).toMatchObject({
        taskId: task.id,
        projectId,
        label: FASHION_LABELS[i],
        imageKey: key,
        madeBy: 'human',
      });
      expect(rec.completedBy).toEqual(expect.any(Number));
    }
    expect(await executions(sagemaker, pipelineName)).toHaveLength(0);

    annotationIds.push(await annotate(tasks[THRESHOLD - 1]?.id as number, 'Bag'));
    const runs = await eventually(
      () => executions(sagemaker, pipelineName),
      (r) => r.length >= 1,
      `a pipeline execution of ${pipelineName}`,
    );
    expect(runs).toHaveLength(1);
    const parameters = await sagemaker.send(
      new ListPipelineParametersForExecutionCommand({ PipelineExecutionArn: runs[0]?.PipelineExecutionArn }),
    );
    expect(parameters.PipelineParameters).toContainEqual({ Name: 'DataLakeS3Uri', Value: `s3://${bucket}/lake` });
    const counts = logLines
      .map((l) => JSON.parse(l) as { msg: string; withAnnotations?: Record<string, number> })
      .filter((l) => l.msg === 'class counts');
    expect(counts.at(-1)?.withAnnotations).toMatchObject({ [FASHION_LABELS[0] as string]: 1, Bag: 1 });
  });

  it('moves the image when the label changes (ANNOTATION_UPDATED)', async () => {
    const task = tasks[0] as (typeof tasks)[number];
    const file = `${task.id}-${task.image.split('/').pop()}`;
    await ls.api('PATCH', `/api/annotations/${annotationIds[0]}/`, {
      result: [{ from_name: 'choice', to_name: 'image', type: 'choices', value: { choices: ['Sneaker'] } }],
    });
    const lake = await eventually(
      () => keys(s3, bucket, 'lake/annotated/'),
      (k) => k.includes(`lake/annotated/Sneaker/${file}`),
      `the image moved to lake/annotated/Sneaker/${file}`,
    );
    expect(lake).toContain(`lake/annotated/Sneaker/${file}`);
    expect(lake).not.toContain(`lake/annotated/${FASHION_LABELS[0]}/${file}`);
    expect((await record(annotationIds[0] as number)).label).toBe('Sneaker');
    expect(await executions(sagemaker, pipelineName)).toHaveLength(1);
  });

  it('removes the image when the annotation is deleted (ANNOTATIONS_DELETED)', async () => {
    const task = tasks[1] as (typeof tasks)[number];
    await ls.api('DELETE', `/api/annotations/${annotationIds[1]}/`);
    const lake = await eventually(
      () => keys(s3, bucket, 'lake/annotated/'),
      (k) => !k.some((key) => key.includes(`/${task.id}-`)),
      `the image of task ${task.id} removed from the lake`,
    );
    expect(lake.some((key) => key.includes(`/${task.id}-`))).toBe(false);
    expect((await record(annotationIds[1] as number)).deletedAt).toEqual(expect.any(String));
  });

  it('backfills every annotation made while the bridge was down, and starts the due pipeline run', async () => {
    const port = Number(new URL(bridgeServer?.url as string).port);
    await bridgeServer?.close();
    bridgeServer = undefined;
    const missed: number[] = [];
    for (const task of tasks.slice(3, 6)) missed.push(await annotate(task.id, 'Coat'));
    for (const id of missed) await expect(record(id)).rejects.toThrow();
    const report = await syncFromLabelStudio(bridge(), ls, projectId);
    expect(report.outcomes.written).toBe(3);
    for (const id of missed) expect((await record(id)).label).toBe('Coat');
    // 3 before + 3 backfilled = 6 counted annotations: the second crossing.
    expect(report.started).toHaveLength(1);
    expect(await executions(sagemaker, pipelineName)).toHaveLength(2);
    const again = await syncFromLabelStudio(bridge(), ls, projectId);
    expect(again.outcomes.written ?? 0).toBe(0);
    expect(again.started).toHaveLength(0);
    // Back up on the same address the webhook points at. (Re-pointing the webhook with a PATCH of only its url is not
    // an option: Label Studio 1.23's serializer then replaces its actions with [], so no later event is delivered.)
    bridgeServer = await startBridgeServer(bridge(), port);
    const hook = await ls.api<{ url: string; is_active: boolean; actions: string[] }>(
      'GET',
      `/api/webhooks/${webhookId}/`,
    );
    expect(hook).toMatchObject({ url: `${bridgeServer.url}/webhook`, is_active: true });
    expect(hook.actions).toEqual(
      expect.arrayContaining(['ANNOTATION_CREATED', 'ANNOTATION_UPDATED', 'ANNOTATIONS_DELETED']),
    );
  });

  it('auto-labels confident predictions as model-made annotations and orders the rest by uncertainty', async () => {
    const report = await autoLabelProject({ labelStudio: ls, backend, projectId, threshold: 0.9 });
    // Unlabelled now: task 2 (its annotation was deleted) and the last two tasks.
    const remaining = [tasks[1], ...tasks.slice(6)].map((t) => t?.id as number);
    expect(report.autoLabelled.map((a) => a.taskId).sort((a, b) => a - b)).toEqual(remaining.sort((a, b) => a - b));
    const first = report.autoLabelled[0];
    const annotation = await ls.api<{ parent_prediction: number | null; result: Array<{ origin?: string }> }>(
      'GET',
      `/api/annotations/${first?.annotationId}/`,
    );
    expect(annotation.parent_prediction).toEqual(expect.any(Number));
    // The record appears only if Label Studio delivered ANNOTATION_CREATED to the bridge (synchronously without Redis).
    const rec = await eventually(
      () => record(first?.annotationId as number).catch(() => undefined),
      (r): r is AnnotationRecord => r !== undefined,
      `the lake record of auto-labelled annotation ${first?.annotationId} (bridge log: ${logLines.slice(-5).join(' | ')})`,
    );
    expect(rec.madeBy).toBe('model');
    const low = await autoLabelProject({ labelStudio: ls, backend, projectId, threshold: 0.99 });
    expect(low.autoLabelled).toHaveLength(0);
  });

  it('reads Label Studio media with a personal access token refreshed through /api/token/refresh/', async () => {
    let pat: string;
    try {
      pat = (await ls.api<{ token: string }>('POST', '/api/token/', {})).token;
    } catch {
      pat = (await ls.api<{ token: string }>('POST', '/api/token/rotate/', {})).token;
    }
    expect(pat.split('.')).toHaveLength(3);
    const viaPat = new LabelStudioConnection({ url: lsUrl, token: pat });
    expect(await viaPat.authorization()).toMatch(/^Bearer /);
    const bytes = await new MediaResolver({ labelStudio: viaPat }).read(tasks[0]?.image);
    expect(Buffer.from(bytes).equals(tasks[0]?.png as Buffer)).toBe(true);
  });
});
