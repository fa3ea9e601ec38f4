/**
 * `npm run bench -- labeling`: the labeling bridge against Label Studio's own Python tooling, side by side.
 *  1. /predict throughput (closed loop, 32 in flight, alternating rounds), server CPU time per request (/proc), and
 *     added latency (p50 at 1 in flight, minus the predictor's own time) of our ML backend vs label-studio-ml 1.0.9
 *     deployed as its own Dockerfile deploys it (gunicorn --preload, 1 worker x 8 threads), both calling the same
 *     fixed-10 ms predictor, with images inlined in the task and fetched over HTTP. One load generator drives both
 *     (load.ts: node:http, fresh keep-alive connections per round; its own CPU per request is reported): fetch(), used
 *     before, spent more CPU per request than our server on the same two cores and capped both sides' throughput.
 *  2. The Lambda bundle's size (index.mjs, and with the chunks a cold start loads) and cold init vs a Python handler
 *     with boto3, compared symmetrically: both creating the S3 and SageMaker clients at init (eager), and both
 *     creating only the S3 client (lazy: the SageMaker client waits for the first threshold crossing); medians of
 *     fresh processes, the four kinds interleaved.
 *  3. Peak RSS of the bundle over 1,000 webhook events against moto.
 * Needs: `npm run build -w @sagemaker-mlops/labeling-bridge`, `bash scripts/setup-python.sh labelstudio`, moto_server.
 * gunicorn 20.1.0 (the version label-studio-ml's Dockerfile requirements pin) is installed on first use into
 * ~/.cache/sagemaker-mlops/bench-gunicorn-20.1.0 (pip --target), so the Label Studio test venv stays as it is.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreatePipelineCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { freePort, motoClientConfig, repoRoot, startMoto, venvPython } from '@sagemaker-mlops/test-services';
import { percentile, writeResult } from '../lib/result.js';
import { closedLoop, connectionPool, postJson, type PostResult } from './load.js';

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(repoRoot, 'packages/labeling-bridge/dist/lambda-bundle/index.mjs');
const CONFIG =
  '<View><Image name="image" value="$image"/><Choices name="choice" toName="image"><Choice value="Cat"/><Choice value="Dog"/><Choice value="Bird"/></Choices></View>';
const children: ChildProcess[] = [];

function start(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; ipc?: boolean } = {},
): Promise<{ child: ChildProcess; first: Record<string, unknown> }> {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
    env: { ...process.env, ...options.env },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ child, first: JSON.parse(line) as Record<string, unknown> });
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${err}`)));
  });
}

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not come up`);
}

const INLINE = Array.from(
  { length: 64 },
  (_, i) => `data:image/png;base64,${Buffer.alloc(300 + i * 7, i).toString('base64')}`,
);

/** `imageHost` null: the image is inlined in the task (data URI); else fetched from the image server. */
function predictBody(imageHost: string | null, i: number): string {
  return JSON.stringify({
    tasks: [{ id: i, data: { image: imageHost ? `http://${imageHost}/img-${i % 64}.png` : INLINE[i % 64] } }],
    label_config: CONFIG,
    project: '1.1700000000',
    params: { login: null, password: null, context: null },
  });
}

/** A /predict answer counts when it is a 200 with one result (the task's prediction). */
function predicted(result: PostResult): boolean {
  return result.status === 200 && (result.body as { results?: unknown[] }).results?.length === 1;
}

/** Closed-loop /predict load: `concurrency` requests in flight for `ms` (see load.ts for the client and why). */
async function load(url: string, imageHost: string | null, concurrency: number, ms: number) {
  const run = await closedLoop(`${url}/predict`, {
    concurrency,
    ms,
    body: (i) => predictBody(imageHost, i),
    ok: predicted,
  });
  if (run.firstError !== undefined) {
    const error = run.firstError as Error;
    console.error(`bench labeling: ${url}: ${String(error.cause ?? error)}`);
  }
  return run;
}

/** gunicorn as label-studio-ml's Dockerfile pins it, installed once beside (not into) the Label Studio venv. */
function gunicornPath(): string {
  const cache = process.env.SAGEMAKER_MLOPS_CACHE ?? join(homedir(), '.cache/sagemaker-mlops');
  const target = join(cache, 'bench-gunicorn-20.1.0');
  if (!existsSync(join(target, 'gunicorn'))) {
    console.error(`bench labeling: installing gunicorn 20.1.0 into ${target}`);
    const pip = spawnSync(
      venvPython('labelstudio'),
      // gunicorn 20.1 imports pkg_resources, which setuptools dropped after 69
      ['-m', 'pip', 'install', '--quiet', '--target', target, 'gunicorn==20.1.0', 'setuptools<70'],
      { stdio: 'inherit' },
    );
    if (pip.status !== 0) throw new Error(`pip install gunicorn==20.1.0 --target ${target} failed`);
  }
  return target;
}

async function predictBench() {
  const images = await start(process.execPath, [join(here, 'image-server.mjs')]);
  const imageHost = `127.0.0.1:${images.first.port as number}`;

  const ours = await start(process.execPath, [join(here, 'ours-server.mjs'), imageHost], { ipc: true });
  const oursUrl = ours.first.url as string;
  const ourPredictorMs = () =>
    new Promise<number[]>((resolve) => {
      ours.child.once('message', (m) => resolve((m as { predictorMs: number[] }).predictorMs));
      ours.child.send('predictor-ms');
    });

  const port = await freePort();
  const modelDir = mkdtempSync(join(tmpdir(), 'ls-ml-'));
  // label_studio_ml/default_configs/Dockerfile: gunicorn --preload --bind :$PORT --workers 1 --threads 8 --timeout 0
  const python = spawn(
    venvPython('labelstudio'),
    [
      ...['-m', 'gunicorn', '--preload', '--bind', `127.0.0.1:${port}`, '--workers', '1', '--threads', '8'],
      ...['--timeout', '0', '--chdir', here, 'ls_ml_backend:app'],
    ],
    { stdio: 'ignore', env: { ...process.env, PYTHONPATH: gunicornPath(), MODEL_DIR: modelDir } },
  );
  children.push(python);
  const pythonUrl = `http://127.0.0.1:${port}`;
  await waitUp(`${pythonUrl}/health`);
  const setup = await fetch(`${pythonUrl}/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project: '1.1700000000', schema: CONFIG }),
  });
  if (!setup.ok) throw new Error(`label-studio-ml /setup failed: ${await setup.text()}`);

  type Figures = {
    throughput: number;
    p50: number;
    p99: number;
    predictorP50: number;
    failures: number;
    cpuMsPerRequest: number;
    clientCpuMsPerRequest: number;
  };
  const results: Record<string, Figures> = {};
  const servers = [
    ['ours', oursUrl, ours.child.pid as number],
    ['baseline', pythonUrl, python.pid as number],
  ] as const;
  // Two scenarios: images inlined in the task (measures the backends themselves), and images fetched over HTTP
  // from a shared local image server. Throughput runs alternate between the two servers in rounds, so load from
  // elsewhere on the machine hits both alike; each server's CPU time per request is read from /proc as well.
  for (const [scenario, host] of [
    ['inline', null],
    ['http', imageHost],
  ] as const) {
    for (const [, url] of servers) await load(url, host, 8, 1500); // warm-up
    const totals: Record<
      string,
      { requests: number; seconds: number; cpu: number; failures: number; clientCpuMs: number }
    > = {};
    for (let round = 0; round < 6; round++) {
      for (const [name, url, pid] of servers) {
        const cpuBefore = cpuSeconds(pid);
        const run = await load(url, host, 32, 2500);
        const total = totals[name] ?? { requests: 0, seconds: 0, cpu: 0, failures: 0, clientCpuMs: 0 };
        totals[name] = total;
        total.requests += run.requests;
        total.seconds += run.seconds;
        total.cpu += cpuSeconds(pid) - cpuBefore;
        total.failures += run.failures;
        total.clientCpuMs += run.clientCpuMsPerRequest * run.requests;
      }
    }
    await ourPredictorMs();
    for (const [name, url] of servers) {
      // Latency at 1 in flight; the predictor's own time is measured inside each server and subtracted.
      const latencies: number[] = [];
      const predictorMs: number[] = [];
      const pool = connectionPool(1);
      const target = new URL(`${url}/predict`);
      for (let i = 0; i < 300; i++) {
        const t = performance.now();
        const { body } = await postJson(pool, target, predictBody(host, i));
        latencies.push(performance.now() - t);
        const first = (body as { results: Array<{ predictor_ms?: number }> }).results[0];
        if (first?.predictor_ms !== undefined) predictorMs.push(first.predictor_ms);
      }
      pool.destroy();
      if (name === 'ours') predictorMs.push(...(await ourPredictorMs()));
      const total = totals[name] as (typeof totals)[string];
      results[`${scenario}:${name}`] = {
        throughput: total.requests / total.seconds,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        predictorP50: percentile(predictorMs, 50),
        failures: total.failures,
        cpuMsPerRequest: (total.cpu * 1000) / total.requests,
        clientCpuMsPerRequest: total.clientCpuMs / total.requests,
      };
    }
  }
  python.kill('SIGTERM');
  rmSync(modelDir, { recursive: true, force: true });
  return results as Record<'inline:ours' | 'inline:baseline' | 'http:ours' | 'http:baseline', Figures>;
}

/**
 * CPU seconds (user + system) a process and its live children have used so far, from /proc (clock ticks of 10 ms):
 * gunicorn serves from a worker process under its master.
 */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const own = (Number(fields[11]) + Number(fields[12])) / 100;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return own + children.reduce((sum, child) => sum + cpuSeconds(Number(child)), 0);
}

function median(values: number[]): number {
  return percentile(values, 50);
}

function initBench() {
  const env = {
    ...process.env,
    LAKE_S3_URI: 's3://lake/bench',
    PIPELINE_NAME: 'retrain',
    ANNOTATION_THRESHOLD: '100',
    WEBHOOK_SECRET: 'bench-secret-0123456789',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
    // The SDK warns once, at client construction, that Node 20 will lose support; the bundle targets nodejs22.x, where
    // that warning (and the stderr write it costs) never happens.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // Lazy: the bundle's own init (bridge + S3 client; the SageMaker client waits for the first crossing). Eager: the
  // same, plus the SageMaker client's code loaded and the client created, as the Python handler does at init.
  const sagemakerChunk = join(dirname(bundle), 'sagemaker.mjs');
  const scripts = {
    lazy: `const t = performance.now(); await import(${JSON.stringify(bundle)}); console.log(performance.now() - t);`,
    eager: `const t = performance.now(); await import(${JSON.stringify(bundle)}); const { SageMakerClient } = await import(${JSON.stringify(sagemakerChunk)}); new SageMakerClient({}); console.log(performance.now() - t);`,
  };
  const samples = {
    lazy: { ours: [] as number[], baseline: [] as number[] },
    eager: { ours: [] as number[], baseline: [] as number[] },
  };
  const processMs = { ours: [] as number[], baseline: [] as number[] };
  for (let i = 0; i < 14; i++) {
    for (const mode of ['eager', 'lazy'] as const) {
      let t = performance.now();
      const node = spawnSync(process.execPath, ['--input-type=module', '-e', scripts[mode]], { env, encoding: 'utf8' });
      if (mode === 'eager') processMs.ours.push(performance.now() - t);
      samples[mode].ours.push(Number(node.stdout.trim().split('\n').pop()));
      t = performance.now();
      const py = spawnSync('python3', [join(here, 'boto3_init.py'), mode], { env, encoding: 'utf8' });
      if (mode === 'eager') processMs.baseline.push(performance.now() - t);
      samples[mode].baseline.push(Number(py.stdout.trim()));
    }
  }
  const initFiles = staticImportClosure(bundle);
  const bytes = Buffer.concat(initFiles.map((file) => readFileSync(file)));
  const med = (values: number[]) => median(values.slice(2)); // the first two warm the page cache
  return {
    eager: { oursMs: med(samples.eager.ours), baselineMs: med(samples.eager.baseline) },
    lazy: { oursMs: med(samples.lazy.ours), baselineMs: med(samples.lazy.baseline) },
    oursProcessMs: med(processMs.ours),
    baselineProcessMs: med(processMs.baseline),
    bundleBytes: statSync(bundle).size,
    initFiles: initFiles.length,
    initBytes: bytes.length,
    initGzipBytes: gzipSync(bytes, { level: 9 }).length,
  };
}

/** index.mjs and every chunk it imports statically, transitively: the code a cold start loads. */
function staticImportClosure(entry: string): string[] {
  const seen = new Set<string>([entry]);
  for (const file of seen) {
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:\bfrom|\bimport)\s*['"](\.\/[^'"]+\.mjs)['"]/g))
      seen.add(join(dirname(file), spec as string));
  }
  return [...seen];
}

async function memoryBench(events: number) {
  const moto = await startMoto();
  try {
    const config = motoClientConfig(moto.endpoint);
    const s3 = new S3Client(config);
    const sagemaker = new SageMakerClient(config);
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-lake' }));
    for (let i = 0; i < 64; i++)
      await s3.send(
        new PutObjectCommand({ Bucket: 'bench-lake', Key: `incoming/img-${i}.png`, Body: Buffer.alloc(800, i) }),
      );
    await sagemaker.send(
      new CreatePipelineCommand({
        PipelineName: 'retrain',
        RoleArn: 'arn:aws:iam::123456789012:role/x',
        PipelineDefinition: '{"Version":"2020-12-01","Steps":[]}',
      }),
    );
    // Asynchronous on purpose: moto logs every request to a pipe this process must keep draining.
    const child = spawn(
      process.execPath,
      [join(here, 'memory.mjs'), bundle, JSON.stringify({ count: events, bucket: 'bench-lake' })],
      {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
          S3_FORCE_PATH_STYLE: 'true',
          LAKE_S3_URI: 's3://bench-lake/lake',
          PIPELINE_NAME: 'retrain',
          ANNOTATION_THRESHOLD: '100',
          WEBHOOK_SECRET: 'bench-secret-0123456789',
          IMAGE_ALLOWED_BUCKETS: 'bench-lake',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-8000)));
    await new Promise((resolve) => child.once('exit', resolve));
    const result = { stderr };
    const line = result.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop();
    if (!line) throw new Error(`memory run failed: ${result.stderr.slice(-2000)}`);
    return JSON.parse(line) as { peakRssMb: number; statuses: Record<string, number>; seconds: number };
  } finally {
    await moto.stop();
  }
}

try {
  const predict = await predictBench();
  const init = initBench();
  const memory = await memoryBench(1000);
  const round = (n: number, d = 2) => Number(n.toFixed(d));
  const figures = (f: (typeof predict)['inline:ours']) => ({
    throughput: round(f.throughput, 1),
    p50Ms: round(f.p50),
    p99Ms: round(f.p99),
    predictorP50Ms: round(f.predictorP50),
    addedP50Ms: round(f.p50 - f.predictorP50),
    cpuMsPerRequest: round(f.cpuMsPerRequest, 3),
    /** The load generator's own CPU per request (node:http; see load.ts): small, so it caps neither side. */
    clientCpuMsPerRequest: round(f.clientCpuMsPerRequest, 3),
    failures: f.failures,
  });
  const ours = figures(predict['inline:ours']);
  const baseline = figures(predict['inline:baseline']);
  const ratio = ours.throughput / baseline.throughput;
  writeResult({
    name: 'labeling',
    unit: 'predict requests/s (1 task each, image inlined, 32 in flight)',
    ours: ours.throughput,
    baseline: baseline.throughput,
    ratio: round(ratio),
    target: '>= 3x throughput; added p50 <= 2 ms; Lambda init >= 3x faster; peak RSS over 1,000 events <= 128 MB',
    baselineName:
      'label-studio-ml 1.0.9 as its Dockerfile deploys it (gunicorn 20.1.0 --preload, 1 worker x 8 threads), same fixed 10 ms predictor',
    predict: {
      inlineImages: { ours, baseline },
      imagesOverHttp: { ours: figures(predict['http:ours']), baseline: figures(predict['http:baseline']) },
      /** Requests per CPU-second of the server process: throughput on a dedicated core, free of machine load. */
      cpuEfficiencyRatio: round(baseline.cpuMsPerRequest / ours.cpuMsPerRequest),
      addedP50TargetMet: ours.addedP50Ms <= 2,
      throughputTargetMet: ratio >= 3,
    },
    lambda: {
      /** index.mjs alone, and with the chunks it imports statically (what a cold start loads). */
      bundleBytes: init.bundleBytes,
      initFiles: init.initFiles,
      initBytes: init.initBytes,
      initGzipBytes: init.initGzipBytes,
      /** Both sides create the S3 and SageMaker clients at init. */
      initMsEager: {
        ours: round(init.eager.oursMs),
        baselineBoto3: round(init.eager.baselineMs),
        ratio: round(init.eager.baselineMs / init.eager.oursMs),
      },
      /** Both sides create the S3 client at init and the SageMaker client at its first use. */
      initMsLazy: {
        ours: round(init.lazy.oursMs),
        baselineBoto3: round(init.lazy.baselineMs),
        ratio: round(init.lazy.baselineMs / init.lazy.oursMs),
      },
      wholeProcessMsEager: { ours: round(init.oursProcessMs), baselineBoto3: round(init.baselineProcessMs) },
      initTargetMet: init.eager.baselineMs / init.eager.oursMs >= 3 && init.lazy.baselineMs / init.lazy.oursMs >= 3,
    },
    memory: {
      events: 1000,
      peakRssMb: round(memory.peakRssMb, 1),
      statuses: memory.statuses,
      seconds: round(memory.seconds, 1),
      targetMet: memory.peakRssMb <= 128,
    },
  });
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
