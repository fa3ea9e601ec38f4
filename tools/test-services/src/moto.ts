import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { freePort, waitForHttp } from './ports.js';

/** moto_server of the project's own venv (`bash scripts/setup-python.sh moto`: moto[server]==5.2.1). */
export function motoServerPath(): string {
  const path = join(repoRoot, '.venvs', 'moto', 'bin', 'moto_server');
  if (!existsSync(path)) {
    throw new Error(`moto_server is missing at ${path}: run 'bash scripts/setup-python.sh moto' first`);
  }
  return path;
}

export interface MotoServer {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts the venv's `moto_server` on 127.0.0.1 on a free port and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const server = motoServerPath();
  const port = await freePort();
  const child: ChildProcess = spawn(server, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`moto_server exited with ${code}: ${stderr}`))),
  );
  await Promise.race([waitForHttp(`${endpoint}/moto-api/`, 60_000), exited]);
  return {
    endpoint,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      });
    },
  };
}

/** Clears every moto backend, so each suite starts from an empty account. */
export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed with HTTP ${response.status}`);
}

/** Client settings that point an AWS SDK v3 client at moto. */
export function motoClientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    forcePathStyle: true,
  } as const;
}

/** Queues the bodies moto's sagemaker-runtime InvokeEndpoint returns next, in order. */
export async function queueEndpointResults(
  endpoint: string,
  results: Array<{ Body: string; ContentType?: string; InvokedProductionVariant?: string; CustomAttributes?: string }>,
  region = 'us-east-1',
): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/static/sagemaker/endpoint-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ results, region }),
  });
  if (!response.ok) throw new Error(`moto endpoint-results failed with HTTP ${response.status}`);
}
