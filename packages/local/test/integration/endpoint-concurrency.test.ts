import { readdirSync, readFileSync } from 'node:fs';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSageMaker } from '../../src/index.js';
import { alive, INFERENCE_PY, putModelArchive, tempStateDir, waitFor, waitForEndpoint } from './helpers.js';

// Regression: concurrent first invocations after a re-open each built a deployment, leaking model servers
// that close() never stopped.

const state = tempStateDir('endpoint-concurrency');
const INSTANCES = 2;

/** PIDs of model server processes (serve.py) that are children of this test process, read from /proc. */
function modelServerChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('serve.py')) pids.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return pids;
}

function invoke(local: LocalSageMaker, x: number, endpoint = 'ep') {
  return local.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpoint,
      ContentType: 'application/json',
      Body: JSON.stringify({ x: [x] }),
    }),
  );
}

beforeAll(async () => {
  const local = await LocalSageMaker.open({ stateDir: state.dir });
  try {
    const uri = await putModelArchive(local, 'models', 'm/model.tar.gz', {
      'model.json': JSON.stringify({ version: 1, factor: 2 }),
      'code/inference.py': INFERENCE_PY,
    });
    await local.sagemaker.send(
      new CreateModelCommand({
        ModelName: 'm',
        ExecutionRoleArn: 'arn:aws:iam::000000000000:role/x',
        PrimaryContainer: { Image: 'local/inference:1', ModelDataUrl: uri },
      }),
    );
    await local.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'c',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'm', InstanceType: 'ml.m5.large', InitialInstanceCount: INSTANCES },
        ],
      }),
    );
    await local.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c' }));
    await local.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'c-sls',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'm', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 8 } },
        ],
      }),
    );
    await local.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'sls', EndpointConfigName: 'c-sls' }));
    await waitForEndpoint(local, 'ep');
    await waitForEndpoint(local, 'sls');
  } finally {
    await local.close();
  }
  expect(modelServerChildren()).toEqual([]);
}, 120_000);
afterAll(() => state.cleanup());

describe('concurrent first invocations of a re-opened instance endpoint', () => {
  it('start exactly InitialInstanceCount model servers, and close() stops them all', async () => {
    const local = await LocalSageMaker.open({ stateDir: state.dir });
    let pids: number[] = [];
    try {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => invoke(local, i)));
      expect(results.map((r) => JSON.parse(Buffer.from(r.Body as Uint8Array).toString()).y[0])).toEqual([
        0, 2, 4, 6, 8, 10, 12, 14,
      ]);
      pids = modelServerChildren();
      expect(pids).toHaveLength(INSTANCES);
      expect(local.endpointStats('ep').variants).toEqual([
        { name: 'AllTraffic', kind: 'instance', workers: INSTANCES, inFlight: 0 },
      ]);
    } finally {
      await local.close();
    }
    expect(pids.filter(alive)).toEqual([]);
    expect(modelServerChildren()).toEqual([]);
  }, 120_000);

  it('close() during the first invocations stops the model servers that were still starting', async () => {
    const local = await LocalSageMaker.open({ stateDir: state.dir });
    const calls = Array.from({ length: 8 }, (_, i) =>
      invoke(local, i).then(
        () => 'ok',
        (e: Error) => e.message,
      ),
    );
    // Wait until the servers are being spawned, then close while they load the model.
    await waitFor(
      'model servers to spawn',
      async () => (modelServerChildren().length > 0 ? true : undefined),
      30_000,
      5,
    );
    const spawned = modelServerChildren();
    expect(spawned.length).toBeLessThanOrEqual(INSTANCES);
    await local.close();
    const outcomes = await Promise.all(calls);
    // Each call either was served before close() or was told the client closed; none hangs.
    for (const outcome of outcomes) expect(outcome).toMatch(/^ok$|closed/);
    expect(spawned.filter(alive)).toEqual([]);
    expect(modelServerChildren()).toEqual([]);
    await expect(invoke(local, 1)).rejects.toThrow(/closed/);
  }, 120_000);

  it('serverless: concurrent first invocations share one cold start, and close() during it leaves no process', async () => {
    const first = await LocalSageMaker.open({ stateDir: state.dir });
    try {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => invoke(first, i, 'sls')));
      expect(new Set(results.map((r) => JSON.parse(Buffer.from(r.Body as Uint8Array).toString()).pid)).size).toBe(1);
      expect(first.endpointStats('sls').coldStarts).toBe(1);
    } finally {
      await first.close();
    }
    expect(modelServerChildren()).toEqual([]);

    const local = await LocalSageMaker.open({ stateDir: state.dir });
    const calls = Array.from({ length: 4 }, (_, i) =>
      invoke(local, i, 'sls').then(
        () => 'ok',
        (e: Error) => e.message,
      ),
    );
    await waitFor(
      'the cold start to spawn its model server',
      async () => (modelServerChildren().length > 0 ? true : undefined),
      30_000,
      5,
    );
    const spawned = modelServerChildren();
    expect(spawned).toHaveLength(1);
    await local.close();
    for (const outcome of await Promise.all(calls)) expect(outcome).toMatch(/^ok$|closed/);
    expect(spawned.filter(alive)).toEqual([]);
    expect(modelServerChildren()).toEqual([]);
  }, 120_000);
});
