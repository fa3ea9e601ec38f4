import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, ModelError } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSageMaker, type LocalLogEvent } from '../../src/index.js';
import { INFERENCE_PY, putModelArchive, tempStateDir, waitFor, waitForEndpoint } from './helpers.js';

// preloadModules: model servers are forked from a warm interpreter. 'json' stands in for torch here so the
// test needs nothing beyond python3; the bench measures it with torch.
const state = tempStateDir('preload');
let local: LocalSageMaker;
const logs: LocalLogEvent[] = [];

async function model(name: string, files: Record<string, string>) {
  const uri = await putModelArchive(local, 'models', `${name}/model.tar.gz`, files);
  await local.sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      PrimaryContainer: { Image: 'pytorch-inference:2.5', ModelDataUrl: uri },
    }),
  );
}

async function invoke(endpoint: string, payload: unknown) {
  const out = await local.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpoint,
      ContentType: 'application/json',
      Body: JSON.stringify(payload),
    }),
  );
  return JSON.parse(Buffer.from(out.Body as Uint8Array).toString()) as { version: number; y: number[]; pid: number };
}

beforeAll(async () => {
  local = await LocalSageMaker.open({
    stateDir: state.dir,
    preloadModules: ['json'],
    serverlessIdleTimeoutMs: 800,
    onLog: (e) => logs.push(e),
  });
  await model('ok', { 'model.json': JSON.stringify({ version: 1, factor: 3 }), 'code/inference.py': INFERENCE_PY });
  await model('noisy', {
    'model.json': JSON.stringify({ version: 2, factor: 1 }),
    'code/inference.py': `print("loading noisy model", flush=True)\n${INFERENCE_PY}`,
  });
  await model('broken', { 'model.json': '{', 'code/inference.py': INFERENCE_PY });
});
afterAll(async () => {
  await local.close();
  state.cleanup();
});

describe('endpoints with preloadModules', () => {
  it('fork instance workers from the warm interpreter and serve', async () => {
    await local.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'inst',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'ok', InstanceType: 'ml.m5.large', InitialInstanceCount: 2 },
        ],
      }),
    );
    await local.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'inst', EndpointConfigName: 'inst' }));
    await waitForEndpoint(local, 'inst');
    const results = await Promise.all([1, 2, 3, 4].map((x) => invoke('inst', { x: [x] })));
    expect(results.map((r) => r.y[0])).toEqual([3, 6, 9, 12]);
    expect(new Set(results.map((r) => r.pid)).size).toBe(2);
    const error = await invoke('inst', { fail: 'forked' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).OriginalMessage).toContain('model exploded: forked');
    await local.sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'inst' }));
    for (const pid of new Set(results.map((r) => r.pid))) {
      await waitFor(
        `worker ${pid} to stop`,
        async () => {
          try {
            process.kill(pid, 0);
            return undefined;
          } catch {
            return true;
          }
        },
        5000,
      );
    }
  });

  it('cold-start serverless workers by fork, stream their output, and scale to zero', async () => {
    await local.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'sls',
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: 'noisy',
            ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 2 },
          },
        ],
      }),
    );
    await local.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'sls', EndpointConfigName: 'sls' }));
    await waitForEndpoint(local, 'sls');
    const first = await invoke('sls', { x: [5] });
    expect(first.y).toEqual([5]);
    expect(local.endpointStats('sls').coldStarts).toBe(1);
    await waitFor(
      'model output in onLog',
      async () => (logs.some((e) => e.name === 'sls' && e.message === 'loading noisy model') ? true : undefined),
      5000,
    );
    await waitFor(
      'scale to zero',
      async () => (local.endpointStats('sls').variants[0]?.workers === 0 ? true : undefined),
      10_000,
    );
    expect((await invoke('sls', { x: [6] })).pid).not.toBe(first.pid);
    expect(local.endpointStats('sls').coldStarts).toBe(2);
  });

  it('fail creation with the model log when model_fn raises', async () => {
    await local.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'broken',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'broken', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
      }),
    );
    await local.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'broken', EndpointConfigName: 'broken' }));
    const failed = await waitForEndpoint(local, 'broken', 'Failed');
    expect(failed.FailureReason).toMatch(/exited with code 1 while loading the model/);
    expect(failed.FailureReason).toMatch(/JSONDecodeError|Expecting property name/);
  });
});
