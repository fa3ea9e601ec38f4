import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { motoClientConfig, queueEndpointResults, resetMoto } from '@sagemaker-mlops/test-services';
import type {} from '@sagemaker-mlops/test-services/moto-global-setup';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { FunctionUrlEvent, FunctionUrlResult } from '../src/web/lambda.js';
import { grayscalePng } from '@sagemaker-mlops/test-services';

const appRoot = join(import.meta.dirname, '..');

function event(
  method: string,
  path: string,
  options: { query?: string; body?: Buffer; contentType?: string } = {},
): FunctionUrlEvent {
  return {
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: options.contentType ? { 'content-type': options.contentType } : {},
    ...(options.body ? { body: options.body.toString('base64'), isBase64Encoded: true } : {}),
    requestContext: { http: { method } },
  };
}

/** The built Lambda bundle (dist/lambda/index.mjs), run against moto server as its AWS. */
describe('web front-end as a Lambda function URL handler (the tsup bundle, against moto)', () => {
  let handler: (event: FunctionUrlEvent) => Promise<FunctionUrlResult>;
  const moto = inject('motoEndpoint');

  beforeAll(async () => {
    execFileSync('npx', ['tsup'], { cwd: appRoot, stdio: 'pipe' });
    await resetMoto(moto);
    const sagemaker = new SageMakerClient(motoClientConfig(moto));
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'demo-model',
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
        PrimaryContainer: {
          Image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.5-cpu-py311',
          ModelDataUrl: 's3://b/model.tar.gz',
        },
      }),
    );
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'demo-prod-config',
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: 'demo-model', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
      }),
    );
    await sagemaker.send(
      new CreateEndpointCommand({ EndpointName: 'lambda-test-prod', EndpointConfigName: 'demo-prod-config' }),
    );
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      STAGING_ENDPOINT_NAME: 'lambda-test-staging',
      PROD_ENDPOINT_NAME: 'lambda-test-prod',
    });
    ({ handler } = (await import(pathToFileURL(join(appRoot, 'dist/lambda/index.mjs')).href)) as {
      handler: typeof handler;
    });
  });

  it('serves the page and its bundled script without esbuild or the static folder', async () => {
    const page = await handler(event('GET', '/'));
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<script src="/app.js"');
    const script = await handler(event('GET', '/app.js'));
    expect(script.statusCode).toBe(200);
    expect(script.body).toContain('/api/predict');
  });

  it('reports each stage from DescribeEndpoint', async () => {
    const config = await handler(event('GET', '/api/config'));
    expect(JSON.parse(config.body).stages).toEqual([
      { stage: 'staging', endpointName: 'lambda-test-staging', status: 'NotDeployed' },
      { stage: 'prod', endpointName: 'lambda-test-prod', status: 'InService' },
    ]);
  });

  it('reaches the endpoint through SageMaker Runtime (moto cannot decode binary bodies: its error is reported)', async () => {
    // moto decodes InvokeEndpoint bodies as UTF-8, so any real image (PNG starts with 0x89) makes it fail with
    // an HTML 500 page. A served prediction through this bundle is tested against local mode in web.e2e.test.ts.
    await queueEndpointResults(moto, [
      { Body: JSON.stringify({ label: 'Coat', probabilities: { Coat: 1 }, model_version: '4' }) },
    ]);
    const image = grayscalePng(28, 28, (x, y) => (x + y) * 4);
    const result = await handler(
      event('POST', '/api/predict', { query: 'stage=prod&name=coat.png', body: image, contentType: 'image/png' }),
    );
    expect(result.statusCode).toBe(502);
    expect(JSON.parse(result.body).error.message).toContain('The prod model could not classify this image');
  });

  it('refuses a non-image with 415 and says what it looked like', async () => {
    const result = await handler(
      event('POST', '/api/predict', {
        query: 'name=notes.png',
        body: Buffer.from('just some text'),
        contentType: 'image/png',
      }),
    );
    expect(result.statusCode).toBe(415);
    expect(JSON.parse(result.body).error.message).toBe(
      'notes.png is not a PNG or JPEG image (it looks like text). Upload a .png or .jpg file.',
    );
  });

  it('answers 503 naming the endpoint when the chosen stage is not deployed', async () => {
    const image = grayscalePng(8, 8, () => 0);
    const result = await handler(event('POST', '/api/predict', { query: 'stage=staging&name=a.png', body: image }));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body).error).toMatchObject({
      code: 'ENDPOINT_UNAVAILABLE',
      stage: 'staging',
      message: expect.stringContaining('"lambda-test-staging" is not deployed'),
    });
  });

  it('has no models page: the function has no registry permissions, and says where to review instead', async () => {
    const result = await handler(event('GET', '/api/models'));
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body).error).toMatchObject({
      code: 'REVIEW_UNAVAILABLE',
      message: expect.stringContaining('npm run demo -- web'),
    });
    const approve = await handler(event('POST', '/api/models/1/approval', { body: Buffer.from('{}') }));
    expect(approve.statusCode).toBe(404);
  });
});
