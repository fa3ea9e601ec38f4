import { ResourceInUse } from '@aws-sdk/client-sagemaker';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Bind } from './container.js';
import type { CommandTable } from './dispatch.js';
import type { LocalContext, LocalLogEvent } from './context.js';
import { metadata, missingJob, validationException } from './errors.js';
import { registerJobCommands } from './job-commands.js';
import { now } from './listing.js';
import { runProcessing } from './processing-job.js';
import { PythonShims } from './python-shims.js';
import { OWNER, ownerAlive, ResourceStore } from './store.js';
import { runTraining } from './training-job.js';
import type { Rec } from './untyped.js';

export type JobKind = 'training' | 'processing';

const LOG_TAIL_LINES = 25;
const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export interface ProcessResult {
  /** Set when the job wrote to the machine's own /opt/ml (possible only without a private view): why it failed. */
  hostWriteError?: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  tail: string[];
  stopped: boolean;
  timedOut: boolean;
}

/**
 * Training and processing jobs as local processes that emulate the SageMaker framework containers:
 * inputs come from local S3 into a per-job folder, the container's paths are mapped into it, and the
 * outputs (model.tar.gz, processing outputs) go back to local S3.
 */
export class JobRunner {
  readonly training: ResourceStore<Rec>;
  readonly processing: ResourceStore<Rec>;
  private readonly running = new Map<string, { proc?: ChildProcess; stopRequested: boolean; done: Promise<Rec> }>();
  private closed = false;
  readonly shims: PythonShims;

  constructor(readonly ctx: LocalContext) {
    this.shims = new PythonShims(ctx.stateDir);
    this.training = new ResourceStore(ctx.stateDir, 'training-jobs', { ownedWhileRunning: true });
    this.processing = new ResourceStore(ctx.stateDir, 'processing-jobs', { ownedWhileRunning: true });
  }

  async recover(): Promise<void> {
    for (const [store, statusField, endField] of [
      [this.training, 'TrainingJobStatus', 'TrainingEndTime'],
      [this.processing, 'ProcessingJobStatus', 'ProcessingEndTime'],
    ] as const) {
      for (const job of await store.list()) {
        if ((job[statusField] === 'InProgress' || job[statusField] === 'Stopping') && !ownerAlive(job)) {
          const name = job.TrainingJobName ?? job.ProcessingJobName;
          await store.update(name, (j) => ({
            ...j,
            [statusField]: 'Failed',
            ...(statusField === 'TrainingJobStatus' ? { SecondaryStatus: 'Failed' } : {}),
            FailureReason: 'Local mode stopped while the job was running.',
            [endField]: now(),
            LastModifiedTime: now(),
          }));
        }
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.running.values()) {
      entry.stopRequested = true;
      entry.proc?.kill('SIGTERM');
    }
    await Promise.allSettled([...this.running.values()].map((e) => e.done));
  }

  jobDir(kind: JobKind, name: string): string {
    return join(this.ctx.stateDir, 'jobs', kind, name);
  }

  logFile(kind: JobKind, name: string): string {
    return join(this.jobDir(kind, name), 'job.log');
  }

  /** Resolves when the job has finished (any terminal status), with its final record. */
  async wait(kind: JobKind, name: string): Promise<Rec> {
    const entry = this.running.get(`${kind}/${name}`);
    if (entry) return entry.done;
    const record = await (kind === 'training' ? this.training : this.processing).get(name);
    if (!record) throw missingJob(kind, name);
    return record;
  }

  async createTraining(input: Rec): Promise<string> {
    const name = input.TrainingJobName as string;
    if (!name || !NAME.test(name))
      throw validationException(`CreateTrainingJob: TrainingJobName "${name ?? ''}" must match ${NAME.source}.`);
    const spec = input.AlgorithmSpecification as Rec | undefined;
    if (!spec?.TrainingImage && !spec?.AlgorithmName)
      throw validationException(`CreateTrainingJob ${name}: AlgorithmSpecification.TrainingImage is required.`);
    if (spec?.AlgorithmName && !spec.TrainingImage)
      throw validationException(
        `CreateTrainingJob ${name}: local mode cannot run marketplace/built-in algorithms by AlgorithmName; give a TrainingImage and a sagemaker_program.`,
      );
    if (!input.OutputDataConfig?.S3OutputPath)
      throw validationException(`CreateTrainingJob ${name}: OutputDataConfig.S3OutputPath is required.`);
    const arn = this.ctx.arn('training-job', name);
    const time = now();
    await this.training.update(name, (current) => {
      if (current)
        throw new ResourceInUse({
          $metadata: metadata(400),
          message: `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`,
        });
      return {
        ...input,
        [OWNER]: process.pid,
        TrainingJobArn: arn,
        TrainingJobStatus: 'InProgress',
        SecondaryStatus: 'Starting',
        CreationTime: time,
        LastModifiedTime: time,
        SecondaryStatusTransitions: [
          { Status: 'Starting', StartTime: time, StatusMessage: 'Preparing the local job folder' },
        ],
      };
    });
    this.launch('training', name, () => runTraining(this, name, input));
    return arn;
  }

  async createProcessing(input: Rec): Promise<string> {
    const name = input.ProcessingJobName as string;
    if (!name || !NAME.test(name))
      throw validationException(`CreateProcessingJob: ProcessingJobName "${name ?? ''}" must match ${NAME.source}.`);
    if (!input.AppSpecification?.ImageUri)
      throw validationException(`CreateProcessingJob ${name}: AppSpecification.ImageUri is required.`);
    const arn = this.ctx.arn('processing-job', name);
    const time = now();
    const inUse = () =>
      new ResourceInUse({
        $metadata: metadata(400),
        message: `Processing job names must be unique within an AWS account and region (${arn} exists)`,
      });
    if (await this.processing.get(name)) throw inUse();
    // Checked again without an await in between, so no other create of this name in this process gets past here.
    if (this.running.has(`processing/${name}`)) throw inUse();
    const recorded = this.processing.update(name, (current) => {
      if (current) throw inUse();
      return {
        ...input,
        [OWNER]: process.pid,
        ProcessingJobArn: arn,
        ProcessingJobStatus: 'InProgress',
        CreationTime: time,
        LastModifiedTime: time,
        ProcessingStartTime: time,
      };
    });
    // The job's folder is prepared while its record is written; its process starts once the record is there.
    this.launch('processing', name, () => runProcessing(this, name, input, recorded));
    await recorded;
    return arn;
  }

  private launch(kind: JobKind, name: string, run: () => Promise<Rec>): void {
    const key = `${kind}/${name}`;
    const entry: { proc?: ChildProcess; stopRequested: boolean; done: Promise<Rec> } = {
      stopRequested: false,
      done: Promise.resolve({}),
    };
    entry.done = run().finally(() => {
      this.running.delete(key);
      (kind === 'training' ? this.training : this.processing).release(name);
    });
    this.running.set(key, entry);
  }

  async stop(kind: JobKind, name: string): Promise<void> {
    const store = kind === 'training' ? this.training : this.processing;
    const field = kind === 'training' ? 'TrainingJobStatus' : 'ProcessingJobStatus';
    const record = await store.get(name);
    if (!record) throw missingJob(kind, name);
    if (record[field] !== 'InProgress')
      throw validationException(`The ${kind} job ${name} is ${record[field]}; only InProgress jobs can be stopped.`);
    await store.update(name, (j) => ({ ...j, [field]: 'Stopping', LastModifiedTime: now() }));
    const entry = this.running.get(`${kind}/${name}`);
    if (entry) {
      entry.stopRequested = true;
      entry.proc?.kill('SIGTERM');
    }
  }

  /** Runs a job's process (in its private /opt/ml where there is one), its output logged and the last lines kept. */
  async spawnLogged(
    kind: JobKind,
    name: string,
    command: string,
    args: string[],
    options: {
      cwd: string;
      env: Record<string, string>;
      maxRuntimeMs?: number;
      binds?: Bind[];
      containerCwd?: string;
      network?: boolean;
    },
  ): Promise<ProcessResult> {
    // The job's folder exists already (its /opt/ml tree was made in it).
    const logFile = this.logFile(kind, name);
    const log = createWriteStream(logFile, { flags: 'a' });
    const tail: string[] = [];
    const source: LocalLogEvent['source'] = kind === 'training' ? 'training-job' : 'processing-job';
    const entry = this.running.get(`${kind}/${name}`);
    log.write(`$ ${[command, ...args].join(' ')}\n`);
    if (entry?.stopRequested || this.closed) {
      // StopTrainingJob/StopProcessingJob or close() came while the job was still preparing: start nothing.
      this.ctx.log(source, name, 'progress', 'stopped before its process started');
      log.end();
      return { exitCode: null, signal: null, tail, stopped: true, timedOut: false };
    }
    const view = this.ctx.container;
    const hostBefore = await view.hostSnapshot();
    const result = await new Promise<ProcessResult>((resolve) => {
      const spawnedAt = performance.now();
      // The process sees the job's folders at /opt/ml/... (its own mount namespace) where that is available.
      const wrapped = view.wrap(command, args, options.binds ?? [], options.containerCwd ?? options.cwd, {
        network: options.network,
      });
      const proc = spawn(wrapped.command, wrapped.args, {
        cwd: options.cwd,
        env: { ...options.env, ...wrapped.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      if (entry) entry.proc = proc;
      let timedOut = false;
      const timer = options.maxRuntimeMs
        ? setTimeout(() => {
            timedOut = true;
            proc.kill('SIGTERM');
          }, options.maxRuntimeMs)
        : undefined;
      timer?.unref();
      const onLine = (stream: 'stdout' | 'stderr') => (line: string) => {
        tail.push(line);
        if (tail.length > LOG_TAIL_LINES) tail.shift();
        log.write(`${line}\n`);
        this.ctx.log(source, name, stream, line);
      };
      createInterface({ input: proc.stdout }).on('line', onLine('stdout'));
      createInterface({ input: proc.stderr }).on('line', onLine('stderr'));
      let finished = false;
      const finish = (code: number | null, killedBy: NodeJS.Signals | null) => {
        if (finished) return;
        const { exitCode, signal } = view.exitStatus(code, killedBy);
        finished = true;
        if (timer) clearTimeout(timer);
        const ms = performance.now() - spawnedAt;
        this.ctx.log(
          source,
          name,
          'progress',
          `process exited (${signal ?? `code ${exitCode}`}) after ${ms.toFixed(1)} ms`,
        );
        // Let readline deliver the last lines before the log closes.
        setImmediate(() => {
          log.end();
          resolve({ exitCode, signal, tail, stopped: entry?.stopRequested ?? false, timedOut });
        });
      };
      proc.on('error', (error) => {
        onLine('stderr')(`cannot start ${command}: ${error.message}`);
        finish(127, null);
      });
      proc.on('close', finish);
    });
    if (hostBefore) result.hostWriteError = view.hostWriteError(hostBefore, await view.hostSnapshot());
    return result;
  }

  failureReason(kind: JobKind, name: string, result: ProcessResult): string {
    if (result.hostWriteError) return result.hostWriteError;
    const exit = result.signal ? `signal ${result.signal}` : `ExitCode ${result.exitCode}`;
    const tail = result.tail.slice(-15).join('\n');
    return `AlgorithmError: ${kind === 'training' ? 'ExecuteUserScriptError' : 'ClientError'}: ${exit}. Last lines of ${this.logFile(kind, name)}:\n${tail}`;
  }

  register(table: CommandTable): void {
    registerJobCommands(table, this);
  }
}
