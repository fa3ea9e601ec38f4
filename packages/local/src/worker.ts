import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LocalContext } from './context.js';
import { LocalModeError, type LocalModeErrorCode } from './errors.js';

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
  override readonly code: LocalModeErrorCode = 'ENDPOINT_WORKER';
  constructor(
    message: string,
    readonly logTail: string,
  ) {
    super(message);
    this.name = 'EndpointWorkerError';
  }
}

const READY = /^SAGEMAKER_LOCAL_READY (\d+)$/;

/** A model server forked by a Zygote: not our child, so its exit comes from the zygote's report. */
class ForkedProcess extends EventEmitter {
  exitCode: number | null = null;
  constructor(readonly pid: number) {
    super();
  }
  kill(signal: NodeJS.Signals): boolean {
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }
  exited(code: number): void {
    this.exitCode = code;
    this.emit('exit', code < 0 ? null : code, code < 0 ? 'SIGTERM' : null);
  }
}

interface ForkWaiter {
  resolve: (value: { pid: number; port: number }) => void;
  reject: (error: Error) => void;
  process?: ForkedProcess;
}

/**
 * A warm interpreter (python/sagemaker_local/zygote.py) that has imported heavy modules (torch) once and
 * forks one model server per request, so a cold start skips the framework import.
 */
export class Zygote {
  private readonly waiters = new Map<string, ForkWaiter>();
  private readonly ready: Promise<void>;
  private dead = false;

  private constructor(
    private readonly proc: ChildProcess,
    readonly python: string,
  ) {
    this.ready = new Promise((resolve, reject) => {
      createInterface({ input: proc.stdout as Readable }).on('line', (line) => {
        const [kind, id, pid, value] = line.split(' ');
        if (kind === 'ZYGOTE_READY') resolve();
        const waiter = id ? this.waiters.get(id) : undefined;
        if (!waiter) return;
        if (kind === 'READY') {
          waiter.process = new ForkedProcess(Number(pid));
          waiter.resolve({ pid: Number(pid), port: Number(value) });
        } else if (kind === 'EXIT') {
          this.waiters.delete(id as string);
          if (waiter.process) waiter.process.exited(Number(value));
          else waiter.reject(new Error(`exited with code ${value} while loading the model`));
        }
      });
      const stderr: string[] = [];
      createInterface({ input: proc.stderr as Readable }).on('line', (line) => stderr.push(line));
      proc.on('exit', (code) => {
        this.dead = true;
        reject(new Error(`the preload interpreter ${python} exited (code ${code}): ${stderr.slice(-10).join('\n')}`));
        for (const waiter of this.waiters.values()) {
          if (waiter.process) waiter.process.exited(-9);
          else waiter.reject(new Error('the preload interpreter exited'));
        }
        this.waiters.clear();
      });
      proc.on('error', (error) => reject(error));
    });
    this.ready.catch(() => undefined);
    // A write racing the interpreter's exit fails with EPIPE; the exit handler already rejects the waiters.
    proc.stdin?.on('error', () => undefined);
  }

  static start(python: string, preload: string[], ctx: LocalContext): Zygote {
    // Forked model servers share the warm interpreter's view: a private, empty /opt/ml (never the host's); their
    // model folder comes from --model-dir / SM_MODEL_DIR.
    const wrapped = ctx.container.wrap(
      python,
      ['-u', join(ctx.runtimeDir, 'sagemaker_local', 'zygote.py'), '--preload', preload.join(',')],
      [],
    );
    const proc = spawn(wrapped.command, wrapped.args, {
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...wrapped.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new Zygote(proc, python);
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Resolves once the preloaded modules are imported; rejects if the interpreter could not import them. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  async fork(spec: WorkerSpec): Promise<{ process: ForkedProcess; port: number }> {
    await this.ready;
    // The interpreter may have died (or been stopped by close()) while this fork waited for it.
    if (this.dead) throw new Error('could not start: the preload interpreter has exited');
    const id = randomUUID();
    const result = await new Promise<{ pid: number; port: number }>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      this.proc.stdin?.write(`${JSON.stringify({ id, model_dir: spec.modelDir, env: spec.env, log: spec.logFile })}\n`);
    });
    return { process: this.waiters.get(id)?.process ?? new ForkedProcess(result.pid), port: result.port };
  }

  stop(): void {
    this.proc.stdin?.end();
    this.proc.kill('SIGTERM');
  }
}

/** One model server process (python/sagemaker_local/serve.py) and a keep-alive connection pool to it. */
export class Worker {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly tail: string[] = [];
  private exited = false;
  private log?: WriteStream;
  private tailTimer?: NodeJS.Timeout;
  private logOffset = 0;
  port = 0;

  private constructor(
    private readonly proc: ChildProcess | ForkedProcess,
    private readonly ctx: LocalContext,
    private readonly spec: WorkerSpec,
  ) {}

  /** A worker forked from a warm interpreter; its output is read from its log file. */
  static async fork(ctx: LocalContext, spec: WorkerSpec, zygote: Zygote): Promise<Worker> {
    await fs.mkdir(dirname(spec.logFile), { recursive: true });
    const start = await fs.stat(spec.logFile).then(
      (s) => s.size,
      () => 0,
    );
    let forked: { process: ForkedProcess; port: number };
    try {
      forked = await zygote.fork(spec);
    } catch (error) {
      const text = await fs.readFile(spec.logFile, 'utf8').then(
        (t) => t.slice(start),
        () => '',
      );
      const tail = text.trimEnd().split('\n').slice(-20).join('\n');
      throw new EndpointWorkerError(
        `the model server for endpoint ${spec.endpoint} ${(error as Error).message}\n${tail}`,
        tail,
      );
    }
    const worker = new Worker(forked.process, ctx, spec);
    worker.port = forked.port;
    worker.logOffset = start;
    forked.process.once('exit', () => {
      worker.exited = true;
      worker.agent.destroy();
      void worker.readLog();
      if (worker.tailTimer) clearInterval(worker.tailTimer);
    });
    await worker.readLog();
    worker.tailTimer = setInterval(() => void worker.readLog(), 250);
    worker.tailTimer.unref();
    return worker;
  }

  private async readLog(): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await fs.open(this.spec.logFile, 'r');
      const { size } = await handle.stat();
      if (size <= this.logOffset) return;
      const buffer = Buffer.alloc(size - this.logOffset);
      await handle.read(buffer, 0, buffer.length, this.logOffset);
      const text = buffer.toString('utf8');
      const complete = text.lastIndexOf('\n');
      if (complete < 0) return;
      this.logOffset += Buffer.byteLength(text.slice(0, complete + 1));
      for (const line of text.slice(0, complete).split('\n')) this.remember('stderr', line);
    } catch {
      // the log is optional for serving
    } finally {
      await handle?.close();
    }
  }

  private remember(stream: 'stdout' | 'stderr', line: string): void {
    this.tail.push(line);
    if (this.tail.length > 40) this.tail.shift();
    this.ctx.log('endpoint', this.spec.endpoint, stream, line);
  }

  static async start(ctx: LocalContext, spec: WorkerSpec, timeoutMs = 180_000): Promise<Worker> {
    await fs.mkdir(dirname(spec.logFile), { recursive: true });
    // The model server sees its model at /opt/ml/model, as in the inference containers.
    const isolated = ctx.container.isolated;
    const modelDir = isolated ? '/opt/ml/model' : spec.modelDir;
    const wrapped = ctx.container.wrap(
      spec.python,
      ['-u', join(ctx.runtimeDir, 'sagemaker_local', 'serve.py'), '--model-dir', modelDir],
      [{ host: spec.modelDir, container: '/opt/ml/model' }],
    );
    const proc = spawn(wrapped.command, wrapped.args, {
      env: {
        ...process.env,
        PYTHONUNBUFFERED: '1',
        PYTHONDONTWRITEBYTECODE: '1',
        SM_MODEL_DIR: modelDir,
        ...spec.env,
        ...wrapped.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new Worker(proc, ctx, spec);
    worker.log = createWriteStream(spec.logFile, { flags: 'a' });
    return worker.waitReady(timeoutMs);
  }

  private record(stream: 'stdout' | 'stderr', line: string): void {
    this.log?.write(`${line}\n`);
    this.remember(stream, line);
  }

  logTail(lines = 20): string {
    return this.tail.slice(-lines).join('\n');
  }

  get alive(): boolean {
    return !this.exited;
  }

  private waitReady(timeoutMs: number): Promise<Worker> {
    const proc = this.proc as ChildProcess;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.stop();
        reject(new EndpointWorkerError(`${message}\n${this.logTail()}`, this.logTail()));
      };
      const timer = setTimeout(
        () => fail(`the model server for endpoint ${this.spec.endpoint} did not answer within ${timeoutMs} ms`),
        timeoutMs,
      );
      timer.unref();
      createInterface({ input: proc.stdout as Readable }).on('line', (line) => {
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
      createInterface({ input: proc.stderr as Readable }).on('line', (line) => this.record('stderr', line));
      proc.on('error', (error) => fail(`cannot start ${this.spec.python}: ${error.message}`));
      proc.on('exit', (code, signal) => {
        this.exited = true;
        this.agent.destroy();
        fail(
          `the model server for endpoint ${this.spec.endpoint} exited (${signal ?? `code ${code}`}) while loading the model`,
        );
      });
    });
  }

  invoke(body: Uint8Array, headers: Record<string, string>, timeoutMs = 60_000): Promise<WorkerResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path: '/invocations',
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'Content-Length': String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
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
    if (this.tailTimer) clearInterval(this.tailTimer);
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
