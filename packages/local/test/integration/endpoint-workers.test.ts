import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSageMaker } from '../../src/index.js';
import { alive, INFERENCE_PY, putModelArchive, tempStateDir, waitFor, waitForEndpoint } from './helpers.js';

// SAGEMAKER_MODEL_SERVER_WORKERS: several model server processes per instance, sharing one port, as the
// inference container's model server runs them.

let local: LocalSageMaker;

async function model(
  name: string,
  environment: Record<string, string>,
  modelJson = JSON.stringify({ version: 1, factor: 2 }),
) {
  const uri = await putModelArchive(local, 'models', `${name}/model.tar.gz`, {
    'model.json': modelJson,
    'code/inference.py': INFERENCE_PY,
  });
  await local.sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: 'arn:aws:iam::000000000000:role/x',
      PrimaryContainer: {
        Image: 'local/inference:1',
        ModelDataUrl: uri,
        Environment: environment,
      },
    }),
  );
}

async function endpoint(name: string, modelName: string) {
  await local.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${name}-c`,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: modelName,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
        },
      ],
    }),
  );
  await local.sagemaker.send(
    new CreateEndpointCommand({
      EndpointName: name,
      EndpointConfigName: `${name}-c`,
    }),
  );
}

async function pidOf(name: string, sleep = 0): Promise<number> {
  const out = await local.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: name,
      ContentType: 'application/json',
      Body: JSON.stringify({ x: [1], sleep }),
    }),
  );
  const answer = JSON.parse(Buffer.from(out.Body as Uint8Array).toString()) as {
    y: number[];
    pid: number;
  };
  expect(answer.y).toEqual([2]);
  return answer.pid;
}

// Both ways local mode starts a model server: its own interpreter, and a fork of the warm preload interpreter.
describe.each([
  { mode: 'spawned', preloadModules: [] as string[] },
  { mode: 'forked from the preload interpreter', preloadModules: ['json'] },
])('SAGEMAKER_MODEL_SERVER_WORKERS ($mode)', ({ mode, preloadModules }) => {
  const state = tempStateDir(`endpoint-workers-${mode}`);
  beforeAll(async () => {
    local = await LocalSageMaker.open({ stateDir: state.dir, preloadModules });
    await model('two-workers', { SAGEMAKER_MODEL_SERVER_WORKERS: '2' });
    await model('bad-count', { SAGEMAKER_MODEL_SERVER_WORKERS: 'lots' });
    await model('broken', { SAGEMAKER_MODEL_SERVER_WORKERS: '2' }, 'not json');
  });
  afterAll(async () => {
    await local.close();
    state.cleanup();
  });

  it('serves one instance from two processes, replaces a worker that dies, and stops them all on delete', async () => {
    await endpoint('ep2', 'two-workers');
    await waitForEndpoint(local, 'ep2');
    // Concurrent slow requests open several connections; which worker accepts each is up to the kernel, and on a
    // busy machine one may take them all at first, so ask again (connections rotate every 100 requests).
    const pids = await waitFor(
      'both workers answering',
      async () => {
        const seen = new Set(await Promise.all(Array.from({ length: 12 }, () => pidOf('ep2', 0.05))));
        return seen.size === 2 ? seen : undefined;
      },
      15_000,
    );
    expect(pids.size).toBe(2);

    const [victim] = [...pids] as [number];
    process.kill(victim, 'SIGKILL');
    await waitFor(
      'a replacement worker',
      async () => {
        // Workers close a keep-alive connection after 100 requests, so the clients' reconnections reach the new one.
        const seen = new Set(await Promise.all(Array.from({ length: 12 }, () => pidOf('ep2', 0.01).catch(() => 0))));
        seen.delete(0);
        return seen.size === 2 && !seen.has(victim) ? seen : undefined;
      },
      15_000,
    );

    const serving = new Set(await Promise.all(Array.from({ length: 12 }, () => pidOf('ep2', 0.2))));
    await local.sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'ep2' }));
    await waitFor('workers gone', async () => ([...serving].every((pid) => !alive(pid)) ? true : undefined), 15_000);
  }, 40_000);

  it('fails the endpoint with the reason when the value is not a number or a worker cannot load the model', async () => {
    await endpoint('ep-bad-count', 'bad-count');
    const bad = await waitForEndpoint(local, 'ep-bad-count', 'Failed');
    expect(bad.FailureReason).toMatch(/SAGEMAKER_MODEL_SERVER_WORKERS='lots' is not a whole number/);

    await endpoint('ep-broken', 'broken');
    const broken = await waitForEndpoint(local, 'ep-broken', 'Failed');
    expect(broken.FailureReason).toMatch(/worker .* exited \(code 1\) while loading the model/);
    expect(broken.FailureReason).toMatch(/JSONDecodeError|Expecting value/);
    const described = await local.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'ep-broken' }));
    expect(described.EndpointStatus).toBe('Failed');
  }, 40_000);
});
