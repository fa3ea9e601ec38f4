/**
 * The ML backend predicting through @sagemaker-mlops/endpoint-client against moto's SageMaker Runtime, with the
 * model version read from the registered model package behind the endpoint (moto's SageMaker).
 */
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
} from '@aws-sdk/client-sagemaker';
import { motoClientConfig, queueEndpointResults } from '@sagemaker-mlops/test-services';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { MediaResolver, createMlBackend, endpointPredictor, registeredModelVersion } from '../../src/index.js';
import { motoClients } from '../helpers/aws.js';
import { labelConfigXml } from '../helpers/images.js';

const endpoint = inject('motoEndpoint');
const { sagemaker } = motoClients(endpoint);
// moto's InvokeEndpoint decodes request bodies as text (binary PNG bytes make it answer 500), so the "images" the
// media server hands out here are ASCII; the PNG path is covered against real Label Studio.
const images = [0, 1].map((i) => ({ png: Buffer.from(`fashion image ${i}`) }));
let server: ReturnType<typeof createServer>;
let host: string;
const suffix = Math.random().toString(36).slice(2, 8);
const endpointName = `fashion-${suffix}`;

beforeAll(async () => {
  server = createServer((req, res) => {
    const image = images[Number(/(\d+)\.png/.exec(req.url ?? '')?.[1])]?.png;
    res.writeHead(image ? 200 : 404);
    res.end(image);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const group = `fashion-group-${suffix}`;
  await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
  const inference = {
    Containers: [{ Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/infer:1' }],
    SupportedContentTypes: ['image/png'],
    SupportedResponseMIMETypes: ['application/json'],
  };
  await sagemaker.send(
    new CreateModelPackageCommand({ ModelPackageGroupName: group, InferenceSpecification: inference }),
  );
  const second = await sagemaker.send(
    new CreateModelPackageCommand({ ModelPackageGroupName: group, InferenceSpecification: inference }),
  );
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: `model-${suffix}`,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/x',
      PrimaryContainer: { ModelPackageName: second.ModelPackageArn },
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `config-${suffix}`,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: `model-${suffix}`,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
        },
      ],
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: `config-${suffix}` }),
  );
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('reports the registered model package version behind the endpoint', async () => {
  expect(await registeredModelVersion(sagemaker, endpointName)).toBe(`fashion-group-${suffix}/2`);
});

it('predicts each task through the endpoint client and keeps labels within the config', async () => {
  await queueEndpointResults(endpoint, [
    {
      Body: JSON.stringify({ label: 'Bag', probabilities: { Bag: 0.8, Coat: 0.2 }, model_version: '2' }),
      ContentType: 'application/json',
    },
    {
      Body: JSON.stringify({ label: 'Kangaroo', probabilities: { Kangaroo: 0.6, Coat: 0.4 }, model_version: '2' }),
      ContentType: 'application/json',
    },
  ]);
  const backend = createMlBackend({
    predictor: endpointPredictor({ endpointName, runtime: new SageMakerRuntimeClient(motoClientConfig(endpoint)) }),
    media: new MediaResolver({ allowedHosts: [host] }),
    modelVersion: () => registeredModelVersion(sagemaker, endpointName),
    concurrency: 1,
  });
  const results = await backend.predictTasks(
    [0, 1].map((i) => ({ id: i + 1, data: { image: `http://${host}/${i}.png` } })),
    labelConfigXml(),
  );
  expect(results).toHaveLength(2);
  expect(results[0]).toMatchObject({
    result: [{ value: { choices: ['Bag'] } }],
    score: 0.8,
    model_version: `fashion-group-${suffix}/2`,
  });
  // "Kangaroo" is not a choice: the most probable allowed label is returned instead, never the foreign one.
  expect(results[1]).toMatchObject({ result: [{ value: { choices: ['Coat'] } }], score: 0.4 });
});
