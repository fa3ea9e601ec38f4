import type {} from '@sagemaker-mlops/test-services/moto-global-setup';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { motoClientConfig, resetMoto } from '@sagemaker-mlops/test-services';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { CodeAssetUploadError, uploadProcessingCode, uploadSourceDir } from '../../../src/assets/index.js';

const endpoint = inject('motoEndpoint');
const s3 = new S3Client(motoClientConfig(endpoint));
const bucket = 'code-assets';

async function keys(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '');
}

describe('uploadSourceDir against moto S3', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'upload-src-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetMoto(endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await rm(join(dir, 'src'), { recursive: true, force: true });
    await mkdir(join(dir, 'src', 'lib'), { recursive: true });
    await writeFile(join(dir, 'src', 'train.py'), 'import lib.model\nprint("ok")\n');
    await writeFile(join(dir, 'src', 'lib', 'model.py'), 'NET = 1\n');
  });

  it('uploads under the content hash once, and skips the upload while the content is unchanged', async () => {
    const first = await uploadSourceDir({
      s3,
      bucket,
      keyPrefix: 'my-pipeline',
      sourceDir: join(dir, 'src'),
      entryPoint: 'train.py',
    });
    expect(first.uploaded).toBe(true);
    expect(first.key).toBe(`my-pipeline/code/${first.sha256}/sourcedir.tar.gz`);
    expect(first.s3Uri).toBe(`s3://${bucket}/my-pipeline/code/${first.sha256}/sourcedir.tar.gz`);

    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: first.key }));
    const body = Buffer.from(await stored.Body!.transformToByteArray());
    expect(body.length).toBe(first.sizeBytes);
    expect(stored.Metadata?.sha256).toBe(first.sha256);
    expect(stored.ContentType).toBe('application/gzip');

    // GNU tar (what a container's shell would use) extracts it to the original files.
    const out = join(dir, 'extracted');
    await rm(out, { recursive: true, force: true });
    await mkdir(out);
    await writeFile(join(dir, 'sourcedir.tar.gz'), body);
    execFileSync('tar', ['-xzf', join(dir, 'sourcedir.tar.gz'), '-C', out]);
    expect(await readFile(join(out, 'train.py'), 'utf8')).toBe('import lib.model\nprint("ok")\n');
    expect(await readFile(join(out, 'lib', 'model.py'), 'utf8')).toBe('NET = 1\n');

    const second = await uploadSourceDir({
      s3,
      bucket,
      keyPrefix: 'my-pipeline',
      sourceDir: join(dir, 'src'),
      entryPoint: 'train.py',
    });
    expect(second.uploaded).toBe(false);
    expect(second.key).toBe(first.key);
    expect(await keys()).toEqual([first.key]);

    await writeFile(join(dir, 'src', 'lib', 'model.py'), 'NET = 2\n');
    const third = await uploadSourceDir({
      s3,
      bucket,
      keyPrefix: 'my-pipeline',
      sourceDir: join(dir, 'src'),
      entryPoint: 'train.py',
    });
    expect(third.uploaded).toBe(true);
    expect(third.sha256).not.toBe(first.sha256);
    expect((await keys()).sort()).toEqual([first.key, third.key].sort());
  });

  it('gives the script-mode hyperparameters and model environment the PyTorch containers read', async () => {
    const code = await uploadSourceDir({ s3, bucket, sourceDir: join(dir, 'src'), entryPoint: 'train.py' });
    expect(code.key).toBe(`code/${code.sha256}/sourcedir.tar.gz`);
    // Same strings as the Python SDK's Framework._script_mode_hyperparam_update + _json_encode_hyperparameters.
    expect(code.trainingHyperParameters({ region: 'eu-west-1' })).toEqual({
      sagemaker_submit_directory: `"s3://${bucket}/code/${code.sha256}/sourcedir.tar.gz"`,
      sagemaker_program: '"train.py"',
      sagemaker_container_log_level: '20',
      sagemaker_region: '"eu-west-1"',
    });
    expect(
      code.trainingHyperParameters({ region: 'eu-west-1', containerLogLevel: 10, jobName: 'train-1' }),
    ).toMatchObject({
      sagemaker_container_log_level: '10',
      sagemaker_job_name: '"train-1"',
    });
    expect(code.modelEnvironment({ region: 'eu-west-1' })).toEqual({
      SAGEMAKER_PROGRAM: 'train.py',
      SAGEMAKER_SUBMIT_DIRECTORY: `s3://${bucket}/code/${code.sha256}/sourcedir.tar.gz`,
      SAGEMAKER_CONTAINER_LOG_LEVEL: '20',
      SAGEMAKER_REGION: 'eu-west-1',
    });
  });

  it('wraps S3 failures with the bucket, key and operation', async () => {
    const error = await uploadSourceDir({
      s3,
      bucket: 'no-such-bucket',
      sourceDir: join(dir, 'src'),
      entryPoint: 'train.py',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodeAssetUploadError);
    expect((error as CodeAssetUploadError).bucket).toBe('no-such-bucket');
    expect((error as Error).message).toMatch(
      /^(HeadObject|PutObject) s3:\/\/no-such-bucket\/code\/[0-9a-f]{64}\/sourcedir\.tar\.gz failed/,
    );
  });

  it('uploads processing code file by file once, with the input and entrypoint a processing job needs', async () => {
    await mkdir(join(dir, 'src', '__pycache__'), { recursive: true });
    await writeFile(join(dir, 'src', '__pycache__', 'train.cpython-311.pyc'), 'x');
    const first = await uploadProcessingCode({
      s3,
      bucket,
      keyPrefix: 'p',
      sourceDir: join(dir, 'src'),
      entryPoint: 'train.py',
    });
    expect(first.uploaded).toBe(true);
    expect(first.prefix).toBe(`p/code/${first.sha256}/processing/`);
    expect((await keys()).sort()).toEqual([
      `p/code/${first.sha256}/processing.manifest.json`,
      `p/code/${first.sha256}/processing/lib/model.py`,
      `p/code/${first.sha256}/processing/train.py`,
    ]);
    const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${first.prefix}lib/model.py` }));
    expect(await body.Body!.transformToString()).toBe('NET = 1\n');
    expect(first.processingInput()).toEqual({
      InputName: 'code',
      S3Input: {
        S3Uri: `s3://${bucket}/p/code/${first.sha256}/processing/`,
        LocalPath: '/opt/ml/processing/input/code',
        S3DataType: 'S3Prefix',
        S3InputMode: 'File',
      },
    });
    expect(first.containerEntrypoint()).toEqual(['python3', '/opt/ml/processing/input/code/train.py']);

    const again = await uploadProcessingCode({
      s3,
      bucket,
      keyPrefix: 'p',
      sourceDir: join(dir, 'src'),
      entryPoint: 'train.py',
    });
    expect(again.uploaded).toBe(false);
    expect(again.prefix).toBe(first.prefix);
  });
});
