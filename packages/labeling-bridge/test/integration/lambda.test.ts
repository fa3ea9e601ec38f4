/**
 * The function-URL adapter, and the deployable bundle (dist/lambda-bundle/*.mjs, built by `npm run build`) run
 * in a fresh Node process configured only by environment variables, against moto.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { MediaResolver, createWebhookBridge } from '../../src/index.js';
import { bridgeFromEnv, createLambdaHandler } from '../../src/lambda/index.js';
import { bytesOf, executions, lakeAndPipeline, motoClients } from '../helpers/aws.js';
import { labelConfigXml } from '../helpers/images.js';

const endpoint = inject('motoEndpoint');
const { s3, sagemaker } = motoClients(endpoint);
const SECRET = 'lambda-secret-0123456789abcdef';
const bundle = join(dirname(fileURLToPath(import.meta.url)), '../../dist/lambda-bundle/index.mjs');
let bucket: string;
let pipelineName: string;

function event(id: number, label = 'Bag') {
  return {
    action: 'ANNOTATION_CREATED',
    annotation: {
      id,
      result: [{ from_name: 'choice', to_name: 'image', type: 'choices', value: { choices: [label] } }],
      task: id,
      project: 2,
      completed_by: 4,
    },
    task: { id, data: { image: `s3://${bucket}/incoming/${id}.png` }, project: 2 },
    project: { id: 2, label_config: labelConfigXml() },
  };
}

beforeAll(async () => {
  ({ bucket, pipelineName } = await lakeAndPipeline(s3, sagemaker, 'lambda'));
  for (let i = 1; i <= 4; i++)
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `incoming/${i}.png`, Body: `png ${i}` }));
});

describe('function-URL adapter', () => {
  const handler = () =>
    createLambdaHandler(
      createWebhookBridge({
        s3,
        sagemaker,
        lake: `s3://${bucket}/adapter`,
        pipelineName,
        threshold: 10,
        auth: { sharedSecret: SECRET },
        media: new MediaResolver({ s3, allowedBuckets: [bucket] }),
      }),
    );

  it('handles base64 bodies, health checks, methods and auth', async () => {
    const h = handler();
    const body = Buffer.from(JSON.stringify(event(1))).toString('base64');
    const ok = await h({
      requestContext: { http: { method: 'POST' } },
      headers: { 'x-labeling-bridge-secret': SECRET },
      body,
      isBase64Encoded: true,
    });
    expect(ok.statusCode).toBe(200);
    expect((await bytesOf(s3, bucket, 'adapter/annotated/Bag/1-1.png')).toString()).toBe('png 1');
    expect((await h({ requestContext: { http: { method: 'GET' } }, rawPath: '/health' })).statusCode).toBe(200);
    expect((await h({ requestContext: { http: { method: 'PUT' } }, body: '{}' })).statusCode).toBe(405);
    const denied = await h({
      requestContext: { http: { method: 'POST' } },
      headers: { authorization: 'Bearer wrong' },
      body: '{}',
    });
    expect(denied.statusCode).toBe(401);
    expect(denied.body).not.toContain(SECRET);
    const big = await h({
      requestContext: { http: { method: 'POST' } },
      headers: { 'x-labeling-bridge-secret': SECRET },
      body: 'x'.repeat(6 * 2 ** 20),
    });
    expect(big.statusCode).toBe(413);
  });

  it('validates its environment with messages that name the variable', () => {
    expect(() => bridgeFromEnv({ PIPELINE_NAME: 'p', ANNOTATION_THRESHOLD: '3', WEBHOOK_SECRET: SECRET })).toThrow(
      /LAKE_S3_URI/,
    );
    expect(() =>
      bridgeFromEnv({
        LAKE_S3_URI: 's3://b/p',
        PIPELINE_NAME: 'p',
        ANNOTATION_THRESHOLD: 'three',
        WEBHOOK_SECRET: SECRET,
      }),
    ).toThrow(/ANNOTATION_THRESHOLD/);
    expect(() => bridgeFromEnv({ LAKE_S3_URI: 's3://b/p', PIPELINE_NAME: 'p', ANNOTATION_THRESHOLD: '3' })).toThrow(
      /WEBHOOK_SECRET/,
    );
  });
});

describe('deferred SageMaker client', () => {
  it('calls the client factory once, at the first threshold crossing, and reuses the client afterwards', async () => {
    let built = 0;
    const bridge = createWebhookBridge({
      s3,
      sagemaker: async () => {
        built += 1;
        return sagemaker;
      },
      lake: `s3://${bucket}/factory`,
      pipelineName,
      threshold: 2,
      auth: { sharedSecret: SECRET },
      media: new MediaResolver({ s3, allowedBuckets: [bucket] }),
    });
    const h = createLambdaHandler(bridge);
    const post = (id: number) =>
      h({
        requestContext: { http: { method: 'POST' } },
        headers: { 'x-labeling-bridge-secret': SECRET },
        body: JSON.stringify(event(id)),
      });
    const before = (await executions(sagemaker, pipelineName)).length;
    expect((await post(1)).statusCode).toBe(200);
    expect(built).toBe(0);
    expect((await post(2)).statusCode).toBe(200);
    expect(built).toBe(1);
    expect((await post(3)).statusCode).toBe(200);
    expect((await post(4)).statusCode).toBe(200);
    expect(built).toBe(1);
    expect((await executions(sagemaker, pipelineName)).length - before).toBe(2);
  });
});

describe('deployable bundle', () => {
  it('runs from the bundle directory with only environment configuration and starts the pipeline at the threshold (loading the deferred sagemaker.mjs)', async () => {
    if (!existsSync(bundle))
      throw new Error(`${bundle} is missing: run 'npm run build' in packages/labeling-bridge first`);
    const script = `
      const { handler } = await import(${JSON.stringify(bundle)});
      const events = JSON.parse(process.argv[1]);
      const out = [];
      for (const e of events) out.push(await handler({ requestContext: { http: { method: 'POST' } }, headers: { 'x-labeling-bridge-secret': ${JSON.stringify(SECRET)} }, body: JSON.stringify(e) }));
      console.log(JSON.stringify(out.map((o) => o.statusCode)));`;
    const env = {
      PATH: process.env.PATH,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      S3_FORCE_PATH_STYLE: 'true',
      LAKE_S3_URI: `s3://${bucket}/bundle`,
      PIPELINE_NAME: pipelineName,
      ANNOTATION_THRESHOLD: '3',
      WEBHOOK_SECRET: SECRET,
      IMAGE_ALLOWED_BUCKETS: bucket,
    };
    const before = (await executions(sagemaker, pipelineName)).length;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, JSON.stringify([event(2), event(3), event(3), event(4)])],
      {
        env,
        cwd: '/',
      },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop() as string)).toEqual([200, 200, 200, 200]);
    expect((await bytesOf(s3, bucket, 'bundle/annotated/Bag/4-4.png')).toString()).toBe('png 4');
    expect((await executions(sagemaker, pipelineName)).length - before).toBe(1);
  });
});
