/**
 * Pre-labels that never go permanently empty, against a real Label Studio (label-studio-global-setup.ts) and a
 * local-mode serverless endpoint that throttles above its MaxConcurrency and cold-starts for seconds: every task
 * gets its prediction, and a task the backend cannot predict is left for Label Studio to ask again, never stored empty.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  waitUntilEndpointInService,
} from '@aws-sdk/client-sagemaker';
import { LocalSageMaker } from '@sagemaker-mlops/local';
import { standInModelTarball } from '@sagemaker-mlops/test-services';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  LabelStudioConnection,
  MediaResolver,
  createMlBackend,
  endpointPredictor,
  type Predictor,
} from '../../src/index.js';
import { FASHION_LABELS, fashionMnist, labelConfigXml, pngSizePredictor } from '../helpers/images.js';

const lsUrl = inject('labelStudioUrl');
const token = inject('labelStudioToken');
const ls = new LabelStudioConnection({ url: lsUrl, token });
const MAX_CONCURRENCY = 3;
const COLD_START_S = 3;
const images = fashionMnist(40);
const servers: Array<{ close(): Promise<void> }> = [];
let local: LocalSageMaker;

interface StoredPrediction {
  task: number;
  result: Array<{ value: { choices: string[] } }>;
  model_version: string;
}

/** A project with the images uploaded (as a person imports them) and the ML backend at `backendUrl` connected. */
async function projectWithBackend(title: string, backendUrl: string, count: number): Promise<number[]> {
  const project = await ls.api<{ id: number }>('POST', '/api/projects/', { title, label_config: labelConfigXml() });
  const form = new FormData();
  for (const image of images.slice(0, count))
    form.append(`file${image.index}`, new Blob([image.png], { type: 'image/png' }), `fashion-${image.index}.png`);
  const imported = await fetch(`${lsUrl}/api/projects/${project.id}/import`, {
    method: 'POST',
    headers: { authorization: `Token ${token}` },
    body: form,
  });
  expect(imported.status, await imported.clone().text()).toBe(201);
  await ls.api('POST', '/api/ml/', { url: backendUrl, project: project.id, title: 'endpoint', auth_method: 'NONE' });
  const page = await ls.api<{ tasks: Array<{ id: number }> }>('GET', `/api/tasks/?project=${project.id}&page_size=100`);
  expect(page.tasks).toHaveLength(count);
  return page.tasks.map((t) => t.id);
}

/** Label Studio's "Retrieve predictions" action over the whole project, as a person clicks it. */
async function retrievePredictions(projectId: number): Promise<void> {
  const answer = await fetch(`${lsUrl}/api/dm/actions?id=retrieve_tasks_predictions&project=${projectId}`, {
    method: 'POST',
    headers: { authorization: `Token ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ selectedItems: { all: true, excluded: [] } }),
  });
  expect(answer.status, await answer.clone().text()).toBe(200);
}

async function storedPredictions(projectId: number): Promise<StoredPrediction[]> {
  return ls.api<StoredPrediction[]>('GET', `/api/predictions/?project=${projectId}`);
}

beforeAll(async () => {
  local = await LocalSageMaker.open({ stateDir: mkdtempSync(join(tmpdir(), 'lsb-throttle-')) });
  // The shared stand-in model, behaving like a serverless endpoint under load: a cold start when its process
  // loads the model and a service time per prediction, labels chosen by image size like pngSizePredictor.
  const archive = standInModelTarball({
    version: 'slow-start/1',
    choose: 'length',
    labels: [...FASHION_LABELS],
    top: 0.91,
    png_only: true,
    cold_start_s: COLD_START_S,
    service_time_s: 0.05,
  });
  await local.s3.send(new CreateBucketCommand({ Bucket: 'models' }));
  await local.s3.send(
    new PutObjectCommand({ Bucket: 'models', Key: 'slow/model.tar.gz', Body: readFileSync(archive) }),
  );
  await local.sagemaker.send(
    new CreateModelCommand({
      ModelName: 'slow-start',
      ExecutionRoleArn: 'arn:aws:iam::000000000000:role/local',
      PrimaryContainer: {
        Image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.5-cpu-py311',
        ModelDataUrl: 's3://models/slow/model.tar.gz',
        Environment: { SAGEMAKER_PROGRAM: 'inference.py' },
      },
    }),
  );
  await local.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'slow-start-config',
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: 'slow-start',
          ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: MAX_CONCURRENCY },
        },
      ],
    }),
  );
  await local.sagemaker.send(
    new CreateEndpointCommand({ EndpointName: 'slow-start', EndpointConfigName: 'slow-start-config' }),
  );
  await waitUntilEndpointInService(
    { client: local.sagemaker, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
    { EndpointName: 'slow-start' },
  );
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await local?.close();
});

describe('a throttling serverless endpoint behind the ML backend', () => {
  it('pre-labels 40 of 40 tasks: invocations stay within MaxConcurrency and the cold start is waited out', async () => {
    const retries: string[] = [];
    const predictor = endpointPredictor(
      { endpointName: 'slow-start', runtime: local.runtime, onRetry: (event) => retries.push(event.reason) },
      { sagemaker: local.sagemaker },
    );
    // Label Studio's default: 8 tasks fetched and predicted at once per request, more than the endpoint accepts.
    const backend = createMlBackend({ predictor, media: new MediaResolver({ labelStudio: ls }), concurrency: 8 });
    const server = await backend.listen(0);
    servers.push(server);
    const taskIds = await projectWithBackend('throttled', server.url, 40);
    const projectId = (await ls.api<{ project: number }>('GET', `/api/tasks/${taskIds[0]}/`)).project;

    await retrievePredictions(projectId);

    const stored = await storedPredictions(projectId);
    expect(stored.map((p) => p.task).sort((a, b) => a - b)).toEqual([...taskIds].sort((a, b) => a - b));
    const expected = pngSizePredictor();
    const tasks = await ls.api<{ tasks: Array<{ id: number; data: { image: string } }> }>(
      'GET',
      `/api/tasks/?project=${projectId}&page_size=100`,
    );
    for (const prediction of stored) {
      expect(prediction.result).toHaveLength(1);
      const task = tasks.tasks.find((t) => t.id === prediction.task);
      const index = Number(/fashion-(\d+)\.png$/.exec(task?.data.image ?? '')?.[1]);
      const png = images[index]?.png as Buffer;
      expect(prediction.result[0]?.value.choices).toEqual([(await expected(new Uint8Array(png))).label]);
    }
    // The slots were sized from the endpoint config, so the endpoint never had to throttle us.
    expect(predictor.slots.limit).toBe(MAX_CONCURRENCY);
    expect(retries.filter((r) => r === 'throttled')).toEqual([]);
    expect(backend.metrics()).toMatchObject({ tasksPredicted: 40, taskFailures: 0 });
  });

  it('retries a throttled endpoint until it answers when another caller holds its capacity', async () => {
    // Twice the endpoint's capacity in flight from two predictors that each believe they may use all of it.
    const retries: string[] = [];
    const make = () =>
      endpointPredictor(
        { endpointName: 'slow-start', runtime: local.runtime, onRetry: (event) => retries.push(event.reason) },
        { maxConcurrency: MAX_CONCURRENCY, timeoutMs: 60_000 },
      );
    const [a, b] = [make(), make()];
    const answers = await Promise.all(
      images.slice(0, 12).map((image, i) => (i % 2 ? a : b)(new Uint8Array(image.png), { taskId: i })),
    );
    expect(answers.map((answer) => answer.label)).toEqual(
      await Promise.all(images.slice(0, 12).map(async (image) => (await pngSizePredictor()(image.png)).label)),
    );
    expect(retries).toContain('throttled');
  });
});

describe('a task the backend cannot predict', () => {
  it('is left without a prediction, and Label Studio asks for it again on the next retrieval', async () => {
    const failedOnce = new Set<number>();
    const inner = pngSizePredictor();
    // Every other task fails on its first attempt, as a cold start past the deadline would.
    const flaky: Predictor = async (image, context) => {
      if (context.taskId % 2 === 0 && !failedOnce.has(context.taskId)) {
        failedOnce.add(context.taskId);
        throw new Error('endpoint still cold');
      }
      return inner(image);
    };
    const backend = createMlBackend({ predictor: flaky, media: new MediaResolver({ labelStudio: ls }) });
    const server = await backend.listen(0);
    servers.push(server);
    const taskIds = await projectWithBackend('retry-later', server.url, 8);
    const projectId = (await ls.api<{ project: number }>('GET', `/api/tasks/${taskIds[0]}/`)).project;
    const odd = taskIds.filter((id) => id % 2 === 1).sort((x, y) => x - y);

    await retrievePredictions(projectId);
    const first = await storedPredictions(projectId);
    // Only the tasks that were predicted are stored; none with an empty result.
    expect(first.map((p) => p.task).sort((x, y) => x - y)).toEqual(odd);
    expect(
      first.every((p) => p.result.length === 1 && FASHION_LABELS.includes(p.result[0]?.value.choices[0] as never)),
    ).toBe(true);

    await retrievePredictions(projectId);
    const second = await storedPredictions(projectId);
    expect(second.map((p) => p.task).sort((x, y) => x - y)).toEqual([...taskIds].sort((x, y) => x - y));
    expect(second.every((p) => p.result.length === 1)).toBe(true);
    // Opening a task that already has its prediction does not ask again (Label Studio skips the model version).
    const before = backend.metrics().tasksPredicted;
    await ls.api('GET', `/api/tasks/${taskIds[0]}/`);
    expect(backend.metrics().tasksPredicted).toBe(before);
  });
});
