/**
 * `label` end to end in local mode with a real Label Studio started by the demo itself (from .venvs/labelstudio):
 * the project with the model's classes, the ML backend connected and pre-labelling every imported image through a
 * local serverless endpoint, the bridge's webhook registered with its secret and the real event names, the pool
 * uploaded (never s3://), annotations into the lake, a restart that reuses everything, `label sync`, and the
 * clear errors for a missing token, a wrong token and a run state without a deployed endpoint.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  waitUntilEndpointInService,
} from '@aws-sdk/client-sagemaker';
import { LabelStudioConnection } from '@sagemaker-mlops/labeling-bridge';
import { freePort, grayscalePng, standInModelTarball } from '@sagemaker-mlops/test-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoContext, openContext } from '../src/context.js';
import { labelStudioFor, startLabeling } from '../src/label-command.js';
import { labelStudioBinary } from '../src/labeling/local-label-studio.js';
import { syncLabels } from '../src/labeling/sync-command.js';
import { consoleReporter } from '../src/progress.js';
import { seedLabelStudio } from './label-studio-seed.js';
import { RAW_DATASET_NAME } from '../src/steps.js';
import { startDemoWeb } from '../src/web-command.js';

const CLASSES = ['ankle-boot', 'bag', 'coat', 'dress', 'pullover', 'sandal', 'shirt', 'sneaker', 't-shirt', 'trouser'];
const POOL = 6;
const stateDir = mkdtempSync(join(tmpdir(), 'demo-label-'));
const selection = { target: 'local' as const, tiny: true, stateDir };
let ctx: DemoContext;

/** Images whose PNG sizes differ, so the stand-in model gives them different labels. */
function poolImage(i: number): Buffer {
  const pixels = new Uint8Array(28 * 28).map((_, p) => ((p * (i + 3)) % 251) * (p % (i + 2) === 0 ? 1 : 0));
  return grayscalePng(28, 28, pixels);
}

beforeAll(async () => {
  if (!existsSync(labelStudioBinary()))
    throw new Error('Label Studio is missing: run `bash scripts/setup-python.sh labelstudio`');
  ctx = await openContext({ target: 'local', profile: 'tiny', stateDir, reporter: consoleReporter({ json: true }) });
  const { bucket, lakePrefix, endpoints } = ctx.names;
  await ctx.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  // The lake as the data step leaves it: the raw zip (its class folders are the model's classes), the placeholder,
  // and the unlabelled pool.
  const work = mkdtempSync(join(tmpdir(), 'demo-label-data-'));
  execFileSync('python3', [
    '-c',
    `import zipfile, sys
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for c in sys.argv[2].split(','):
        z.writestr(f'{c}/train-0.png', b'x')`,
    join(work, 'raw.zip'),
    CLASSES.join(','),
  ]);
  await ctx.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `${lakePrefix}/raw/${RAW_DATASET_NAME}`,
      Body: readFileSync(join(work, 'raw.zip')),
    }),
  );
  await ctx.s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: `${lakePrefix}/annotated/README.txt`, Body: 'placeholder' }),
  );
  for (let i = 0; i < POOL; i++) {
    await ctx.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${lakePrefix}/unlabelled/pool-${String(i).padStart(5, '0')}.png`,
        Body: poolImage(i),
      }),
    );
  }
  // A serverless staging endpoint serving the stand-in model, recorded as deployed in the run state.
  // The shared stand-in model: one of CLASSES per image, chosen by its length, so each image has its own label.
  const tarball = standInModelTarball({ version: 'stand-in', choose: 'length', labels: CLASSES, png_only: true }, work);
  await ctx.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: 'models/stand-in.tar.gz',
      Body: readFileSync(tarball),
    }),
  );
  await ctx.sagemaker.send(
    new CreateModelCommand({
      ModelName: 'label-e2e-model',
      ExecutionRoleArn: ctx.names.roleArn,
      PrimaryContainer: {
        Image: 'pytorch-inference:2.6-cpu-py312',
        ModelDataUrl: `s3://${bucket}/models/stand-in.tar.gz`,
        Environment: { SAGEMAKER_PROGRAM: 'inference.py' },
      },
    }),
  );
  await ctx.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'label-e2e-staging',
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: 'label-e2e-model',
          ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 2 },
        },
      ],
    }),
  );
  await ctx.sagemaker.send(
    new CreateEndpointCommand({ EndpointName: endpoints.staging, EndpointConfigName: 'label-e2e-staging' }),
  );
  await waitUntilEndpointInService(
    { client: ctx.sagemaker, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
    { EndpointName: endpoints.staging },
  );
  seedLabelStudio(join(stateDir, 'demo', 'label-studio'));
}, 600_000);

afterAll(async () => {
  await ctx?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe.sequential('npm run demo -- label (local mode, real Label Studio)', () => {
  it('refuses to start without a deployed endpoint of this configuration, naming the command to run', async () => {
    await expect(
      startLabeling(ctx, { port: 0, bridgePort: 0, threshold: 100, labelStudioPort: await freePort() }, selection),
    ).rejects.toThrow(/npm run demo -- all --tiny --state-dir/);
    ctx.state.record('deploy-staging', { endpointName: ctx.names.endpoints.staging, version: 1 });
  });

  it('starts Label Studio with the project, the ML backend, the webhook and the pool, and pre-labels every task', async () => {
    const running = await startLabeling(
      ctx,
      { port: 0, bridgePort: 0, threshold: 100, labelStudioPort: await freePort() },
      selection,
    );
    try {
      expect(running.login?.username).toMatch(/@/);
      expect(running.imported).toEqual({ imported: POOL, already: 0 });
      expect(running.endpointName).toBe(ctx.names.endpoints.staging);
      const ls = new LabelStudioConnection({ url: running.labelStudioUrl, token: running.login?.token as string });
      const project = await ls.api<{ title: string; label_config: string }>(
        'GET',
        `/api/projects/${running.projectId}/`,
      );
      expect(project.title).toBe('sagemaker-mlops-demo (tiny, local)');
      expect([...project.label_config.matchAll(/<Choice value="([^"]+)"/g)].map((m) => m[1])).toEqual(CLASSES);

      const backends = await ls.api<Array<{ url: string; state: string }>>(
        'GET',
        `/api/ml/?project=${running.projectId}`,
      );
      expect(backends).toEqual([expect.objectContaining({ url: running.mlBackendUrl, state: 'CO' })]);
      const hooks = await ls.api<Array<{ url: string; actions: string[]; headers: Record<string, string> }>>(
        'GET',
        `/api/webhooks/?project=${running.projectId}`,
      );
      const bridgeHook = hooks.find((h) => h.url === `${running.bridgeUrl}/webhook`);
      expect(bridgeHook?.headers).toEqual({ 'x-labeling-bridge-secret': running.webhookSecret });
      expect(bridgeHook?.actions.sort()).toEqual(
        [
          'ANNOTATIONS_CREATED',
          'ANNOTATIONS_DELETED',
          'ANNOTATION_CREATED',
          'ANNOTATION_UPDATED',
          'TASKS_DELETED',
        ].sort(),
      );

      const tasks = await ls.api<{ tasks: Array<{ id: number; data: { image: string } }> }>(
        'GET',
        `/api/tasks/?project=${running.projectId}&page_size=100`,
      );
      expect(tasks.tasks).toHaveLength(POOL);
      for (const task of tasks.tasks)
        expect(task.data.image).toMatch(/^\/data\/upload\/\d+\/[0-9a-f]{8}-pool-\d{5}\.png$/);

      const retrieve = await fetch(
        `${running.labelStudioUrl}/api/dm/actions?id=retrieve_tasks_predictions&project=${running.projectId}`,
        {
          method: 'POST',
          headers: { authorization: await ls.authorization(), 'content-type': 'application/json' },
          body: JSON.stringify({ selectedItems: { all: true, excluded: [] } }),
        },
      );
      expect(retrieve.status).toBe(200);
      const predictions = await ls.api<
        Array<{ task: number; result: Array<{ value: { choices: string[] } }>; model_version: string }>
      >('GET', `/api/predictions/?project=${running.projectId}`);
      expect(predictions).toHaveLength(POOL);
      for (const prediction of predictions) expect(CLASSES).toContain(prediction.result[0]?.value.choices[0]);
      // The name Label Studio shows is the model behind the endpoint (a registered version where there is one).
      expect(new Set(predictions.map((p) => p.model_version))).toEqual(new Set(['label-e2e-model']));
      // …and the front-end names it the same way.
      const web = await startDemoWeb(ctx);
      try {
        const answer = await fetch(`${web.url}/api/predict?name=pool.png&stage=staging`, {
          method: 'POST',
          headers: { 'content-type': 'image/png' },
          body: new Uint8Array(poolImage(0)),
        });
        const shown = (await answer.json()) as { modelVersion?: string; stage?: string };
        expect(answer.status, JSON.stringify(shown)).toBe(200);
        expect(shown).toMatchObject({ stage: 'staging', modelVersion: 'label-e2e-model' });
      } finally {
        await web.close();
      }

      const first = tasks.tasks[0] as { id: number };
      await ls.api('POST', `/api/tasks/${first.id}/annotations/`, {
        result: [{ from_name: 'choice', to_name: 'image', type: 'choices', value: { choices: ['bag'] } }],
        was_cancelled: false,
        lead_time: 2,
      });
      const lake = await ctx.s3.send(
        new ListObjectsV2Command({ Bucket: ctx.names.bucket, Prefix: `${ctx.names.lakePrefix}/annotated/bag/` }),
      );
      expect(lake.Contents?.map((o) => o.Key)).toEqual([
        expect.stringMatching(new RegExp(`/bag/${first.id}-[0-9a-f]{8}-pool-`)),
      ]);
    } finally {
      await running.close();
    }
  }, 900_000); // without a seeded database, the first start migrates it (minutes on 2 cores)

  it('reuses the project on the next start: nothing imported twice, the ML backend reconnected', async () => {
    const running = await startLabeling(
      ctx,
      { port: 0, bridgePort: 0, threshold: 100, labelStudioPort: await freePort() },
      selection,
    );
    try {
      expect(running.imported).toEqual({ imported: 0, already: POOL });
      const ls = new LabelStudioConnection({ url: running.labelStudioUrl, token: running.login?.token as string });
      const projects = await ls.api<{ results: Array<{ title: string }> }>('GET', '/api/projects/?page_size=100');
      expect(projects.results.filter((p) => p.title === 'sagemaker-mlops-demo (tiny, local)')).toHaveLength(1);
      const backends = await ls.api<Array<{ url: string }>>('GET', `/api/ml/?project=${running.projectId}`);
      expect(backends.map((b) => b.url)).toEqual([running.mlBackendUrl]);
    } finally {
      await running.close();
    }
  });

  it('`label sync` backfills with the demo settings: the one annotation is in the lake, unchanged', async () => {
    const report = await syncLabels(
      ctx,
      { port: 0, bridgePort: 0, threshold: 100, labelStudioPort: await freePort() },
      selection,
    );
    expect(report).toMatchObject({
      tasks: POOL,
      annotations: 1,
      outcomes: { unchanged: 1 },
      removed: 0,
      restarted: [],
    });
  });

  it('checks a given Label Studio at start: a URL without a token, and a wrong token, are clear errors', async () => {
    const port = await freePort();
    await expect(
      labelStudioFor(ctx, {
        port: 0,
        bridgePort: 0,
        threshold: 1,
        labelStudioPort: port,
        labelStudioUrl: 'http://127.0.0.1:9',
      }),
    ).rejects.toThrow(/needs a token too: --label-studio-token/);
    await expect(
      labelStudioFor(ctx, {
        port: 0,
        bridgePort: 0,
        threshold: 1,
        labelStudioPort: port,
        labelStudioUrl: 'http://127.0.0.1:9',
        labelStudioToken: 'x',
      }),
    ).rejects.toThrow(/does not answer at http:\/\/127\.0\.0\.1:9/);
    // A real Label Studio, a wrong token.
    const studio = await labelStudioFor(ctx, { port: 0, bridgePort: 0, threshold: 1, labelStudioPort: port });
    try {
      await expect(
        labelStudioFor(ctx, {
          port: 0,
          bridgePort: 0,
          threshold: 1,
          labelStudioPort: port,
          labelStudioUrl: studio.url,
          labelStudioToken: 'f'.repeat(40),
        }),
      ).rejects.toThrow(/refuses the token/);
    } finally {
      await studio.close();
    }
  });
});
