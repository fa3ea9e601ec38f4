import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  UpdateEndpointCommand,
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
} from '@aws-sdk/client-sagemaker';
import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSageMaker } from '../../src/index.js';
import { INFERENCE_PY, putModelArchive, tempStateDir, waitFor, waitForEndpoint } from './helpers.js';

const state = tempStateDir('endpoints');
let local: LocalSageMaker;

async function model(name: string, version: number, files: Record<string, string> = {}) {
  const uri = await putModelArchive(local, 'models', `${name}/model.tar.gz`, {
    'model.json': JSON.stringify({ version, factor: version * 2 }),
    'code/inference.py': INFERENCE_PY,
    ...files,
  });
  await local.sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: 'arn:aws:iam::000000000000:role/x',
      PrimaryContainer: {
        Image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.5-cpu-py311',
        ModelDataUrl: uri,
      },
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
  return {
    ...(JSON.parse(Buffer.from(out.Body as Uint8Array).toString()) as { version: number; y: number[]; pid: number }),
    variant: out.InvokedProductionVariant,
  };
}

beforeAll(async () => {
  local = await LocalSageMaker.open({ stateDir: state.dir, serverlessIdleTimeoutMs: 1500 });
  await model('m1', 1);
  await model('m2', 2);
  await model('broken', 3, { 'model.json': 'not json' });
});
afterAll(async () => {
  await local.close();
  state.cleanup();
});

describe('instance endpoints', () => {
  it('serves code/inference.py from InitialInstanceCount processes, round-robin', async () => {
    expect(local.runtime).toBeInstanceOf(SageMakerRuntimeClient);
    await local.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'c1',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'm1', InstanceType: 'ml.m5.large', InitialInstanceCount: 2 },
        ],
      }),
    );
    await local.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c1' }));
    expect((await local.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'ep' }))).EndpointStatus).toBe(
      'Creating',
    );
    const described = await waitForEndpoint(local, 'ep');
    expect(described.ProductionVariants?.[0]?.CurrentInstanceCount).toBe(2);
    expect(described.CreationTime).toBeInstanceOf(Date);

    const results = await Promise.all([1, 2, 3, 4].map((x) => invoke('ep', { x: [x] })));
    expect(results.map((r) => r.y[0])).toEqual([2, 4, 6, 8]);
    expect(results[0]?.variant).toBe('AllTraffic');
    expect(new Set(results.map((r) => r.pid)).size).toBe(2);
  });

  it('maps container failures to ModelError with the message and bad requests to ValidationError', async () => {
    const error = await invoke('ep', { fail: 'on purpose' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).OriginalStatusCode).toBe(500);
    expect((error as ModelError).OriginalMessage).toContain('model exploded: on purpose');
    await expect(
      local.runtime.send(new InvokeEndpointCommand({ EndpointName: 'ep', ContentType: 'text/csv', Body: '1,2' })),
    ).rejects.toMatchObject({
      name: 'ModelError',
      OriginalMessage: expect.stringContaining('unsupported content type'),
    });
    await expect(invoke('no-such-endpoint', {})).rejects.toBeInstanceOf(ValidationError);
    await expect(
      local.runtime.send(new InvokeEndpointCommand({ EndpointName: 'ep', Body: new Uint8Array(7 * 1024 * 1024) })),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('swaps to a new config without dropping requests, and a failed update leaves the old config serving', async () => {
    await local.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'c2',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'm2', InstanceType: 'ml.m5.large', InitialInstanceCount: 2 },
        ],
      }),
    );
    let stop = false;
    const versions: number[] = [];
    const failures: unknown[] = [];
    const traffic = Promise.all(
      [0, 1, 2, 3].map(async () => {
        while (!stop) {
          try {
            versions.push((await invoke('ep', { x: [1], sleep: 0.02 })).version);
          } catch (error) {
            failures.push(error);
          }
        }
      }),
    );
    await local.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c2' }));
    expect((await local.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'ep' }))).EndpointStatus).toBe(
      'Updating',
    );
    await waitForEndpoint(local, 'ep');
    await waitFor('traffic on v2', async () => (versions.filter((v) => v === 2).length > 20 ? true : undefined));
    stop = true;
    await traffic;
    expect(failures).toEqual([]);
    expect(versions).toContain(1);
    expect(versions.at(-1)).toBe(2);
    expect((await local.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'ep' }))).EndpointConfigName).toBe(
      'c2',
    );

    await local.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'c-broken',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'broken', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
      }),
    );
    await local.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'c-broken' }));
    const after = await waitForEndpoint(local, 'ep');
    expect(after.EndpointConfigName).toBe('c2');
    expect(after.FailureReason).toMatch(/c-broken failed/);
    expect(after.FailureReason).toMatch(/JSONDecodeError|Expecting value/);
    expect((await invoke('ep', { x: [1] })).version).toBe(2);
  });

  it('keeps endpoints across a restart and restarts their processes on demand', async () => {
    const again = await LocalSageMaker.open({ stateDir: state.dir });
    try {
      const out = await again.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: 'ep',
          ContentType: 'application/json',
          Body: JSON.stringify({ x: [5] }),
        }),
      );
      expect(JSON.parse(Buffer.from(out.Body as Uint8Array).toString()).y).toEqual([20]);
    } finally {
      await again.close();
    }
  });

  it('fails creation with the model server log when the model cannot load', async () => {
    await local.sagemaker.send(
      new CreateEndpointCommand({ EndpointName: 'ep-broken', EndpointConfigName: 'c-broken' }),
    );
    const failed = await waitForEndpoint(local, 'ep-broken', 'Failed');
    expect(failed.FailureReason).toMatch(/exited .* while loading the model/);
    await local.sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'ep-broken' }));
    await expect(
      local.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'ep-broken' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    // The SDK's own waiters work against the local client (they send DescribeEndpoint through it).
    expect(
      (
        await waitUntilEndpointDeleted(
          { client: local.sagemaker, maxWaitTime: 10, minDelay: 1 },
          { EndpointName: 'ep-broken' },
        )
      ).state,
    ).toBe('SUCCESS');
    expect(
      (
        await waitUntilEndpointInService(
          { client: local.sagemaker, maxWaitTime: 10, minDelay: 1 },
          { EndpointName: 'ep' },
        )
      ).state,
    ).toBe('SUCCESS');
  });
});

describe('serverless endpoints', () => {
  it('validates MemorySizeInMB and MaxConcurrency', async () => {
    await expect(
      local.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'bad',
          ProductionVariants: [
            { VariantName: 'v', ModelName: 'm1', ServerlessConfig: { MemorySizeInMB: 1500, MaxConcurrency: 2 } },
          ],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('1024, 2048, 3072, 4096, 5120, 6144'),
    });
    await expect(
      local.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'bad',
          ProductionVariants: [
            { VariantName: 'v', ModelName: 'm1', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 0 } },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('cold-starts on the first invocation, throttles over MaxConcurrency and scales to zero when idle', async () => {
    await local.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'sls',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'm1', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 2 } },
        ],
      }),
    );
    await local.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'sls-ep', EndpointConfigName: 'sls' }));
    const described = await waitForEndpoint(local, 'sls-ep');
    expect(described.ProductionVariants?.[0]?.CurrentServerlessConfig).toEqual({
      MemorySizeInMB: 2048,
      MaxConcurrency: 2,
    });
    expect(local.endpointStats('sls-ep').variants[0]?.workers).toBe(0);

    expect((await invoke('sls-ep', { x: [1] })).y).toEqual([2]);
    expect(local.endpointStats('sls-ep').coldStarts).toBe(1);
    expect(local.endpointStats('sls-ep').lastColdStartMs).toBeGreaterThan(0);
    await invoke('sls-ep', { x: [1] });
    expect(local.endpointStats('sls-ep').coldStarts).toBe(1);

    const outcomes = await Promise.all(
      [0, 1, 2, 3].map(() =>
        invoke('sls-ep', { sleep: 0.5 }).then(
          () => 'ok',
          (e: Error) => e.name,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'ThrottlingException')).toHaveLength(2);

    await waitFor(
      'scale to zero',
      async () => (local.endpointStats('sls-ep').variants[0]?.workers === 0 ? true : undefined),
      10_000,
    );
    await invoke('sls-ep', { x: [1] });
    expect(local.endpointStats('sls-ep').coldStarts).toBe(2);
  });
});
