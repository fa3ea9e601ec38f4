import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { LocalContext } from './context.js';
import { LocalModeError } from './errors.js';
import { pythonScript } from './paths.js';

export interface WorkerSpec {
  python: string;
  modelDir: string;
  env: Record<string, string>;
  /** Endpoint name, for log events. */
  endpoint: string;
  logFile: string;
}

export interface WorkerResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Raised when a host process does not come up (bad model, import error, crash). */
export class EndpointWorkerError extends LocalModeError {
  constructor(message: string, readonly logTail: string) {
    super(message);
    this.name = 'EndpointWorkerError';
  }
}

const READY = /^SAGEMAKER_LOCAL_READY (\d+)$/;

/** One model server process (python/sagemaker_local/serve.py) and a keep-alive connection pool to it. */
export class Worker {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly tail: string[] = [];
  private exited = false;
  private log?: WriteStream;
  port = 0;

  private constructor(private readonly proc: ChildProcess, private readonly ctx: LocalContext, private readonly spec: WorkerSpec) {}

  static async start(ctx: LocalContext, spec: WorkerSpec, timeoutMs = 180_000): Promise<Worker> {
    await fs.mkdir(dirname(spec.logFile), { recursive: true });
    const proc = spawn(spec.python, ['-u', pythonScript('serve.py'), '--model-dir', spec.modelDir], {
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', SM_MODEL_DIR: spec.modelDir, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new Worker(proc, ctx, spec);
    worker.log = createWriteStream(spec.logFile, { flags: 'a' });
    return worker.waitReady(timeoutMs);
  }

  private record(stream: 'stdout' | 'stderr', line: string): void {
    this.tail.push(line);
    if (this.tail.length > 40) this.tail.shift();
    this.log?.write(`${line}\n`);
    this.ctx.log('endpoint', this.spec.endpoint, stream, line);
  }

  logTail(lines = 20): string {
    return this.tail.slice(-lines).join('\n');
  }

  get alive(): boolean {
    return !this.exited;
  }

  private waitReady(timeoutMs: number): Promise<Worker> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.stop();
        reject(new EndpointWorkerError(`${message}\n${this.logTail()}`, this.logTail()));
      };
      const timer = setTimeout(() => fail(`the model server for endpoint ${this.spec.endpoint} did not answer within ${timeoutMs} ms`), timeoutMs);
      timer.unref();
      createInterface({ input: this.proc.stdout! }).on('line', (line) => {
        const match = READY.exec(line);
        if (match && !settled) {
          settled = true;
          clearTimeout(timer);
          this.port = Number(match[1]);
          resolve(this);
          return;
        }
        this.record('stdout', line);
      });
      createInterface({ input: this.proc.stderr! }).on('line', (line) => this.record('stderr', line));
      this.proc.on('error', (error) => fail(`cannot start ${this.spec.python}: ${error.message}`));
      this.proc.on('exit', (code, signal) => {
        this.exited = true;
        this.agent.destroy();
        fail(`the model server for endpoint ${this.spec.endpoint} exited (${signal ?? `code ${code}`}) while loading the model`);
      });
    });
  }

  invoke(body: Uint8Array, headers: Record<string, string>, timeoutMs = 60_000): Promise<WorkerResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: this.port, path: '/invocations', method: 'POST', agent: this.agent, headers: { ...headers, 'Content-Length': String(body.length) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Stops the process (SIGTERM, then SIGKILL after 2 s). */
  async stop(): Promise<void> {
    this.agent.destroy();
    if (!this.exited && this.proc.exitCode === null) {
      const done = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
      timer.unref();
      await done;
      clearTimeout(timer);
    }
    this.log?.end();
  }
}
