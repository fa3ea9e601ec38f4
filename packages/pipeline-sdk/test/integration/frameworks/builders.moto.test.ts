import type {} from '@sagemaker-mlops/test-services/moto-global-setup';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { motoClientConfig, resetMoto } from '@sagemaker-mlops/test-services';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { FrameworkProcessor, NotebookJobStep, PipelineSession, frameworkRunprocScript } from '../../../src/index.js';

const endpoint = inject('motoEndpoint');
const s3 = new S3Client(motoClientConfig(endpoint));
const bucket = 'builder-assets';

describe('FrameworkProcessor runproc.sh in S3 (moto)', () => {
  beforeEach(async () => {
    await resetMoto(endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it('uploads runproc.sh under the sha256 of its text once, where the step reads it', async () => {
    const session = new PipelineSession({ pipelineName: 'P', defaultBucket: bucket, region: 'us-east-1' });
    const processor = new FrameworkProcessor({
      session,
      imageUri: 'image',
      role: 'arn:aws:iam::123456789012:role/R',
      instanceType: 'ml.m5.large',
    });
    const step = processor.step({ name: 'Run', code: 'run.py', sourceDir: `s3://${bucket}/src/sourcedir.tar.gz` });
    const text = frameworkRunprocScript(['python'], 'run.py');
    const hash = createHash('sha256').update(text).digest('hex');
    const uri = `s3://${bucket}/P/code/${hash}/runproc.sh`;
    expect(step.arguments.ProcessingInputs?.find((i) => i.InputName === 'entrypoint')?.S3Input?.S3Uri).toBe(uri);

    expect((await session.uploadAssets({ s3 })).map((a) => a.s3Uri)).toEqual([uri]);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `P/code/${hash}/runproc.sh` }));
    expect(await object.Body?.transformToString()).toBe(text);
    expect(text).toContain('python run.py "$@"');
    // Same content, same key: nothing to upload the second time.
    expect(await session.uploadAssets({ s3 })).toEqual([]);
  });
});

describe('NotebookJobStep input files in S3 (moto)', () => {
  beforeEach(async () => {
    await resetMoto(endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it('uploads the notebook and the initialisation script into the folder the training job reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nb-'));
    writeFileSync(join(dir, 'report.ipynb'), '{"cells": [], "nbformat": 4, "nbformat_minor": 5}');
    writeFileSync(join(dir, 'init.sh'), 'echo ready\n');
    const session = new PipelineSession({ pipelineName: 'P', defaultBucket: bucket, region: 'us-east-1' });
    const step = new NotebookJobStep({
      name: 'Report',
      pipelineName: 'P',
      region: 'us-east-1',
      inputNotebook: join(dir, 'report.ipynb'),
      initializationScript: join(dir, 'init.sh'),
      imageUri: 'image',
      kernelName: 'python3',
      role: 'arn:aws:iam::123456789012:role/R',
      s3RootUri: `s3://${bucket}/notebooks`,
      session,
    });
    const folder = step.inputS3Uri.slice(`s3://${bucket}/`.length);
    expect((await session.uploadAssets({ s3 })).map((a) => a.s3Uri)).toEqual([
      `${step.inputS3Uri}/report.ipynb`,
      `${step.inputS3Uri}/init.sh`,
    ]);
    const notebook = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${folder}/report.ipynb` }));
    expect(await notebook.Body?.transformToString()).toBe('{"cells": [], "nbformat": 4, "nbformat_minor": 5}');
    expect(notebook.ContentType).toBe('application/x-ipynb+json');
    const script = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `${folder}/init.sh` }));
    expect(script.ContentLength).toBe('echo ready\n'.length);
    // Not content-addressed: uploaded again each time (a rebuilt step may have changed the files).
    expect(await session.uploadAssets({ s3 })).toHaveLength(2);
  });
});
