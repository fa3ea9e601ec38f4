import { pollUntil } from '@sagemaker-mlops/test-services';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, type ProcessingInput, type ProcessingOutput } from '@aws-sdk/client-sagemaker';
import * as tar from 'tar';
import type { LocalSageMaker } from '../../src/index.js';

/** A fresh state folder per test file; removed by the returned cleanup. */
export function tempStateDir(label: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `sm-local-${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Packs files into a model.tar.gz and puts it at s3://bucket/key in local S3; returns the URI. */
export async function putModelArchive(
  local: LocalSageMaker,
  bucket: string,
  key: string,
  files: Record<string, string>,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sm-model-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const archive = join(dir, '..', `${dir.split('/').pop()}.tar.gz`);
  await tar.c(
    { gzip: true, file: archive, cwd: dir },
    Object.keys(files)
      .map((p) => p.split('/')[0] as string)
      .filter((v, i, a) => a.indexOf(v) === i),
  );
  await local.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await local.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(archive) }));
  rmSync(dir, { recursive: true, force: true });
  rmSync(archive, { force: true });
  return `s3://${bucket}/${key}`;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 50,
): Promise<T> {
  // The shared polling helper of every suite (tools/test-services); this name is kept for the existing callers.
  return pollUntil(what, probe, { timeoutMs, intervalMs: everyMs });
}

/** Whether a process exists and is not a zombie (Linux /proc). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export function waitForEndpoint(
  local: LocalSageMaker,
  name: string,
  status: string | ((s: string) => boolean) = 'InService',
) {
  return waitFor(`endpoint ${name}`, async () => {
    const e = await local.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    if (e.EndpointStatus === 'Failed' && status !== 'Failed')
      throw new Error(`endpoint ${name} failed: ${e.FailureReason}`);
    const ok = typeof status === 'function' ? status(e.EndpointStatus as string) : e.EndpointStatus === status;
    return ok ? e : undefined;
  });
}

/** A stdlib-only inference script: doubles numbers, can sleep or fail on request. */
export const INFERENCE_PY = `
import json, os, time

def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        return json.load(f)

def input_fn(body, content_type):
    if content_type != "application/json":
        raise ValueError("unsupported content type " + content_type)
    return json.loads(body)

def predict_fn(data, model):
    if data.get("fail"):
        raise RuntimeError("model exploded: " + data["fail"])
    time.sleep(data.get("sleep", 0))
    return {"version": model["version"], "y": [x * model["factor"] for x in data.get("x", [])], "pid": os.getpid()}

def output_fn(prediction, accept):
    return json.dumps(prediction), "application/json"
`;

export const SCRIPTS_DIR = join(__dirname, 'fixtures', 'scripts');

/** Uploads test scripts as a sourcedir.tar.gz (what the Python SDK uploads for sagemaker_submit_directory). */
export async function putSourceDir(
  local: LocalSageMaker,
  bucket: string,
  key: string,
  names: string[],
): Promise<string> {
  return putModelArchive(
    local,
    bucket,
    key,
    Object.fromEntries(names.map((n) => [n, readFileSync(join(SCRIPTS_DIR, n), 'utf8')])),
  );
}

export async function putText(local: LocalSageMaker, uri: string, text: string): Promise<void> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(uri);
  await local.s3.send(new CreateBucketCommand({ Bucket: match[1] as string }));
  await local.s3.send(new PutObjectCommand({ Bucket: match[1] as string, Key: match[2] as string, Body: text }));
}

export async function getText(local: LocalSageMaker, uri: string): Promise<string> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(uri);
  const out = await local.s3.send(new GetObjectCommand({ Bucket: match[1] as string, Key: match[2] as string }));
  return (await out.Body?.transformToString()) ?? '';
}

/** Unpacks a .tar.gz from local S3 and returns the text of one member. */
export async function readFromArchive(local: LocalSageMaker, uri: string, member: string): Promise<string> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(uri);
  const dir = mkdtempSync(join(tmpdir(), 'sm-unpack-'));
  try {
    await tar.x({ file: join(local.stateDir, 's3', match[1] as string, match[2] as string), cwd: dir });
    return readFileSync(join(dir, member), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A ProcessingInput from S3 in File mode, as the Python SDK's ProcessingInput writes it. */
export function processingInput(name: string, s3Uri: string, localPath: string): ProcessingInput {
  return {
    InputName: name,
    S3Input: { S3Uri: s3Uri, LocalPath: localPath, S3DataType: 'S3Prefix', S3InputMode: 'File' },
  };
}

/** A ProcessingOutput uploaded at the end of the job, as the Python SDK's ProcessingOutput writes it. */
export function processingOutput(name: string, s3Uri: string, localPath: string): ProcessingOutput {
  return { OutputName: name, S3Output: { S3Uri: s3Uri, LocalPath: localPath, S3UploadMode: 'EndOfJob' } };
}
