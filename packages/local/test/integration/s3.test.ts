import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  PutObjectCommand,
  PutBucketPolicyCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalModeUnsupportedCommandError, LocalSageMaker } from '../../src/index.js';
import { tempStateDir } from './helpers.js';

const run = promisify(execFile);
const state = tempStateDir('s3');
let local: LocalSageMaker;

beforeAll(async () => {
  local = await LocalSageMaker.open({ stateDir: state.dir });
  await local.s3.send(new CreateBucketCommand({ Bucket: 'lake' }));
});
afterAll(async () => {
  await local.close();
  state.cleanup();
});

describe('LocalS3Client', () => {
  it('is a real S3Client and maps s3://bucket/key to a file in the state folder', async () => {
    expect(local.s3).toBeInstanceOf(S3Client);
    const put = await local.s3.send(
      new PutObjectCommand({
        Bucket: 'lake',
        Key: 'raw/a.txt',
        Body: 'hello',
        ContentType: 'text/plain',
        Metadata: { who: 'me' },
      }),
    );
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect(readFileSync(join(state.dir, 's3', 'lake', 'raw', 'a.txt'), 'utf8')).toBe('hello');

    const got = await local.s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'raw/a.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');
    expect(got.ContentType).toBe('text/plain');
    expect(got.Metadata).toEqual({ who: 'me' });
    const head = await local.s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'raw/a.txt' }));
    expect(head.ContentLength).toBe(5);
    expect(head.ETag).toBe(put.ETag);
    const bytes = await (
      await local.s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'raw/a.txt' }))
    ).Body?.transformToByteArray();
    expect(Buffer.from(bytes as Uint8Array).toString()).toBe('hello');
  });

  it('raises the SDK exceptions for missing keys and buckets', async () => {
    await expect(local.s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'nope' }))).rejects.toBeInstanceOf(
      NoSuchKey,
    );
    await expect(local.s3.send(new GetObjectCommand({ Bucket: 'missing-bucket', Key: 'x' }))).rejects.toBeInstanceOf(
      NoSuchBucket,
    );
    await expect(local.s3.send(new HeadObjectCommand({ Bucket: 'lake', Key: 'nope' }))).rejects.toMatchObject({
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(local.s3.send(new HeadBucketCommand({ Bucket: 'missing-bucket' }))).rejects.toMatchObject({
      name: 'NotFound',
    });
    await expect(
      local.s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'a/../b', Body: 'x' })),
    ).rejects.toMatchObject({ name: 'InvalidRequest' });
  });

  it('copies and deletes objects', async () => {
    await local.s3.send(
      new PutObjectCommand({ Bucket: 'lake', Key: 'src/one.json', Body: '{"a":1}', ContentType: 'application/json' }),
    );
    const copy = await local.s3.send(
      new CopyObjectCommand({ Bucket: 'lake', Key: 'dst/one.json', CopySource: 'lake/src/one.json' }),
    );
    expect(copy.CopyObjectResult?.ETag).toMatch(/^".+"$/);
    const got = await local.s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'dst/one.json' }));
    expect(got.ContentType).toBe('application/json');
    expect(await got.Body?.transformToString()).toBe('{"a":1}');
    await local.s3.send(new DeleteObjectCommand({ Bucket: 'lake', Key: 'dst/one.json' }));
    await local.s3.send(new DeleteObjectCommand({ Bucket: 'lake', Key: 'dst/one.json' })); // idempotent, as on S3
    expect(existsSync(join(state.dir, 's3', 'lake', 'dst'))).toBe(false);
    await expect(
      local.s3.send(new CopyObjectCommand({ Bucket: 'lake', Key: 'x', CopySource: 'lake/none' })),
    ).rejects.toBeInstanceOf(NoSuchKey);
    // Deleting a folder marker never deletes the objects under it.
    await local.s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'folder/', Body: '' }));
    await local.s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'folder/kept.txt', Body: 'k' }));
    await local.s3.send(new DeleteObjectCommand({ Bucket: 'lake', Key: 'folder/' }));
    expect(readFileSync(join(state.dir, 's3', 'lake', 'folder', 'kept.txt'), 'utf8')).toBe('k');
  });

  it('lists with prefix, delimiter and pagination', async () => {
    await local.s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a/1.txt', 'a/2.txt', 'a/b/3.txt', 'a/c/4.txt', 'a/c/5.txt', 'top.txt', 'z/6.txt'];
    for (const key of keys) await local.s3.send(new PutObjectCommand({ Bucket: 'listing', Key: key, Body: key }));

    const all = await local.s3.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    expect(all.Contents?.map((c) => c.Key)).toEqual(keys);
    expect(all.KeyCount).toBe(7);

    const folder = await local.s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a/', Delimiter: '/' }));
    expect(folder.Contents?.map((c) => c.Key)).toEqual(['a/1.txt', 'a/2.txt']);
    expect(folder.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/b/', 'a/c/']);

    const root = await local.s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(root.Contents?.map((c) => c.Key)).toEqual(['top.txt']);
    expect(root.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'z/']);

    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await local.s3.send(
        new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 3, ContinuationToken: token }),
      );
      pages.push((page.Contents ?? []).map((c) => c.Key as string));
      expect(page.IsTruncated).toBe(page.NextContinuationToken !== undefined);
      token = page.NextContinuationToken;
    } while (token);
    expect(pages).toEqual([keys.slice(0, 3), keys.slice(3, 6), keys.slice(6)]);

    const partial = await local.s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a/c' }));
    expect(partial.Contents?.map((c) => c.Key)).toEqual(['a/c/4.txt', 'a/c/5.txt']);
    const after = await local.s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'a/c/5.txt' }));
    expect(after.Contents?.map((c) => c.Key)).toEqual(['top.txt', 'z/6.txt']);
  });

  it('honours If-Match and If-None-Match with 412 PreconditionFailed', async () => {
    const first = await local.s3.send(
      new PutObjectCommand({ Bucket: 'lake', Key: 'claim', Body: 'v1', IfNoneMatch: '*' }),
    );
    const again = local.s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'claim', Body: 'v2', IfNoneMatch: '*' }));
    await expect(again).rejects.toBeInstanceOf(S3ServiceException);
    await expect(again).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    await expect(
      local.s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'claim', Body: 'v2', IfMatch: '"wrong"' })),
    ).rejects.toMatchObject({ name: 'PreconditionFailed' });
    const second = await local.s3.send(
      new PutObjectCommand({ Bucket: 'lake', Key: 'claim', Body: 'v2', IfMatch: first.ETag }),
    );
    expect(second.ETag).not.toBe(first.ETag);
    await expect(
      local.s3.send(new PutObjectCommand({ Bucket: 'lake', Key: 'missing', Body: 'v', IfMatch: first.ETag })),
    ).rejects.toBeInstanceOf(NoSuchKey);
    await expect(
      local.s3.send(new DeleteObjectCommand({ Bucket: 'lake', Key: 'claim', IfMatch: first.ETag })),
    ).rejects.toMatchObject({ name: 'PreconditionFailed' });
  });

  it('lets exactly one of 50 concurrent If-None-Match:* writers win', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        local.s3
          .send(new PutObjectCommand({ Bucket: 'lake', Key: 'race/one', Body: `writer-${i}`, IfNoneMatch: '*' }))
          .then(() => `writer-${i}`)
          .catch((error: S3ServiceException) => error.name),
      ),
    );
    const winners = outcomes.filter((o) => o.startsWith('writer-'));
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'PreconditionFailed')).toHaveLength(49);
    const body = await (
      await local.s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'race/one' }))
    ).Body?.transformToString();
    expect(body).toBe(winners[0]);
  });

  it('lets exactly one of 50 writers in 5 processes win', async () => {
    await local.s3.send(new CreateBucketCommand({ Bucket: 'race' }));
    const script = join(__dirname, 'fixtures', 'conditional-writer.ts');
    const outputs = await Promise.all(
      [0, 1, 2, 3, 4].map((p) =>
        run(process.execPath, ['--import', 'tsx', script, state.dir, 'claimed', '10', `p${p}`], { cwd: __dirname }),
      ),
    );
    const outcomes = outputs.flatMap((o) => JSON.parse(o.stdout) as string[]);
    expect(outcomes).toHaveLength(50);
    const winners = outcomes.filter((o) => o.startsWith('won:'));
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'lost:PreconditionFailed:412')).toHaveLength(49);
    expect(readFileSync(join(state.dir, 's3', 'race', 'claimed'), 'utf8')).toBe(winners[0]?.slice(4));
  });

  it('names a command local mode lacks', async () => {
    const error = await local.s3
      .send(new PutBucketPolicyCommand({ Bucket: 'lake', Policy: '{}' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalModeUnsupportedCommandError);
    expect((error as LocalModeUnsupportedCommandError).command).toBe('PutBucketPolicyCommand');
  });

  it('keeps objects across a restart', async () => {
    const reopened = await LocalSageMaker.open({ stateDir: state.dir });
    const got = await reopened.s3.send(new GetObjectCommand({ Bucket: 'lake', Key: 'raw/a.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');
    await reopened.close();
  });
});
