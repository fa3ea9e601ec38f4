import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  type DescribeTrainingJobCommandOutput,
  StopTrainingJobCommand,
  ListTrainingJobsCommand,
  CreateProcessingJobCommand,
  DescribeProcessingJobCommand,
  type DescribeProcessingJobCommandOutput,
  StopProcessingJobCommand,
  ListProcessingJobsCommand,
} from '@aws-sdk/client-sagemaker';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsConstants, createWriteStream, promises as fs } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ResourceInUse, ResourceNotFound } from '@aws-sdk/client-sagemaker';
import { materialize, packFolder, unpackArchive } from './archive.js';
import type { Bind } from './container.js';
import { interpreterFor } from './requirements.js';
import type { CommandTable } from './dispatch.js';
import type { LocalContext, LocalLogEvent } from './context.js';
import { metadata, validationException } from './errors.js';
import { exists, uniqueSuffix } from './fsutil.js';
import { now, sortItems, timeFilter } from './listing.js';
import { OWNER, ownerAlive, ResourceStore, revive } from './store.js';
import type { Rec } from './untyped.js';

type JobKind = 'training' | 'processing';

const LOG_TAIL_LINES = 25;
const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  tail: string[];
  stopped: boolean;
  timedOut: boolean;
}

/** Python-SDK hyperparameters are JSON-encoded strings ("\"adam\"", "0.1"); the training toolkit decodes them. */
export function decodeHyperparameter(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** How the training toolkit writes a hyperparameter as a command-line value (Python str()). */
function cliValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null) return 'None';
  if (typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Rec)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${cliValue(v)}`)
      .join(',');
  }
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** The absolute path of a command found on PATH, as the shell would run it. */
async function onPath(command: string): Promise<string | undefined> {
  if (command.includes('/')) return undefined;
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
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
  private readonly shims = new Map<string, Promise<string | undefined>>();

  constructor(private readonly ctx: LocalContext) {
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
    if (!record)
      throw new ResourceNotFound({
        $metadata: metadata(400),
        message: `Requested resource not found: ${kind} job ${name}`,
      });
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
    this.launch('training', name, () => this.runTraining(name, input));
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
    await this.processing.update(name, (current) => {
      if (current)
        throw new ResourceInUse({
          $metadata: metadata(400),
          message: `Processing job names must be unique within an AWS account and region (${arn} exists)`,
        });
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
    this.launch('processing', name, () => this.runProcessing(name, input));
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
    if (!record)
      throw new ResourceNotFound({
        $metadata: metadata(400),
        message: `Requested resource not found: ${kind} job ${name}`,
      });
    if (record[field] !== 'InProgress')
      throw validationException(`The ${kind} job ${name} is ${record[field]}; only InProgress jobs can be stopped.`);
    await store.update(name, (j) => ({ ...j, [field]: 'Stopping', LastModifiedTime: now() }));
    const entry = this.running.get(`${kind}/${name}`);
    if (entry) {
      entry.stopRequested = true;
      entry.proc?.kill('SIGTERM');
    }
  }

  /**
   * A folder whose python / python3 point at the interpreter standing for the image, put first on PATH. Found once
   * per interpreter and PATH: finding it walks PATH and stats the cache, a dozen file system calls every job
   * would otherwise wait for.
   */
  private shimDir(command: string): Promise<string | undefined> {
    const key = `${command}\0${process.env.PATH ?? ''}`;
    let shim = this.shims.get(key);
    if (!shim) {
      shim = this.makeShimDir(command);
      this.shims.set(key, shim);
      shim.catch(() => this.shims.delete(key));
    }
    return shim;
  }

  private async makeShimDir(command: string): Promise<string | undefined> {
    const python = isAbsolute(command) ? command : await onPath(command);
    if (!python) return undefined;
    const dir = join(this.ctx.stateDir, 'cache', 'shims', createHash('sha1').update(python).digest('hex').slice(0, 12));
    if (await exists(join(dir, 'python3'))) return dir;
    // Build it aside and rename it into place, so concurrent jobs never see a half-made folder.
    const staging = join(this.ctx.stateDir, 'tmp', `shim-${uniqueSuffix()}`);
    await fs.mkdir(staging, { recursive: true });
    await fs.symlink(python, join(staging, 'python'));
    await fs.symlink(python, join(staging, 'python3'));
    await fs.mkdir(dirname(dir), { recursive: true });
    await fs.rename(staging, dir).catch(() => fs.rm(staging, { recursive: true, force: true }));
    return dir;
  }

  private async spawnLogged(
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
    return new Promise((resolve) => {
      const spawnedAt = performance.now();
      // The process sees the job's folders at /opt/ml/... (its own mount namespace) where that is available.
      const view = this.ctx.container;
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
  }

  private failureReason(kind: JobKind, name: string, result: ProcessResult): string {
    const exit = result.signal ? `signal ${result.signal}` : `ExitCode ${result.exitCode}`;
    const tail = result.tail.slice(-15).join('\n');
    return `AlgorithmError: ${kind === 'training' ? 'ExecuteUserScriptError' : 'ClientError'}: ${exit}. Last lines of ${this.logFile(kind, name)}:\n${tail}`;
  }

  private async runTraining(name: string, input: Rec): Promise<Rec> {
    const started = Date.now();
    const set = (patch: Rec) => this.training.update(name, (j) => ({ ...j, ...patch, LastModifiedTime: now() }));
    const transition = async (status: string, message: string) =>
      this.training.update(name, (j) => {
        const transitions = [...(j?.SecondaryStatusTransitions ?? [])];
        const last = transitions[transitions.length - 1];
        if (last && !last.EndTime) last.EndTime = now();
        transitions.push({ Status: status, StartTime: now(), StatusMessage: message });
        return { ...j, SecondaryStatus: status, SecondaryStatusTransitions: transitions, LastModifiedTime: now() };
      });
    try {
      const dir = this.jobDir('training', name);
      await fs.rm(dir, { recursive: true, force: true });
      const paths = {
        input: join(dir, 'input'),
        config: join(dir, 'input', 'config'),
        data: join(dir, 'input', 'data'),
        model: join(dir, 'model'),
        output: join(dir, 'output'),
        outputData: join(dir, 'output', 'data'),
        code: join(dir, 'code'),
        checkpoints: join(dir, 'checkpoints'),
      };
      for (const p of Object.values(paths)) await fs.mkdir(p, { recursive: true });
      const isolated = this.ctx.container.isolated;
      // What the process sees: the job folder at /opt/ml when it has its own view, else the folder itself.
      const seen = (p: string) => (isolated ? `/opt/ml${p.slice(dir.length)}` : p);
      await set({ TrainingStartTime: now() });
      await transition('Downloading', 'Downloading the input data from local S3');

      const channels: string[] = [];
      const inputDataConfig: Rec = {};
      for (const channel of (input.InputDataConfig ?? []) as Rec[]) {
        const channelName = channel.ChannelName as string;
        const s3 = channel.DataSource?.S3DataSource;
        if (!s3?.S3Uri)
          throw new Error(
            `ClientError: channel ${channelName}: local mode reads S3DataSource channels only (FileSystemDataSource is not supported).`,
          );
        const count = await this.ctx.s3.downloadTo(s3.S3Uri, join(paths.data, channelName));
        if (count === 0) throw new Error(`ClientError: channel ${channelName}: no objects under ${s3.S3Uri}.`);
        channels.push(channelName);
        inputDataConfig[channelName] = {
          TrainingInputMode: channel.InputMode ?? input.AlgorithmSpecification?.TrainingInputMode ?? 'File',
          S3DistributionType: s3.S3DataDistributionType ?? 'FullyReplicated',
          RecordWrapperType: channel.RecordWrapperType ?? 'None',
          ...(channel.ContentType ? { ContentType: channel.ContentType } : {}),
        };
      }

      const rawHps: Record<string, string> = input.HyperParameters ?? {};
      const decoded: Rec = Object.fromEntries(Object.entries(rawHps).map(([k, v]) => [k, decodeHyperparameter(v)]));
      const userHps = Object.fromEntries(Object.entries(decoded).filter(([k]) => !k.startsWith('sagemaker_')));
      const program = decoded.sagemaker_program as string | undefined;
      const submit = decoded.sagemaker_submit_directory as string | undefined;
      const instanceCount = Math.max(1, Number(input.ResourceConfig?.InstanceCount ?? 1));
      const hosts = Array.from({ length: instanceCount }, (_, i) => `algo-${i + 1}`);
      await fs.writeFile(join(paths.config, 'hyperparameters.json'), JSON.stringify(rawHps));
      await fs.writeFile(join(paths.config, 'inputdataconfig.json'), JSON.stringify(inputDataConfig));
      await fs.writeFile(
        join(paths.config, 'resourceconfig.json'),
        JSON.stringify({
          current_host: 'algo-1',
          current_instance_type: input.ResourceConfig?.InstanceType ?? 'local',
          hosts,
          network_interface_name: 'lo',
        }),
      );

      const entrypoint: string[] | undefined = input.AlgorithmSpecification?.ContainerEntrypoint;
      if (!program && !entrypoint) {
        throw new Error(
          `ClientError: local mode runs framework-container training jobs: set the sagemaker_program hyperparameter (and sagemaker_submit_directory) or AlgorithmSpecification.ContainerEntrypoint for ${input.AlgorithmSpecification?.TrainingImage}.`,
        );
      }
      if (submit?.startsWith('/opt/ml/input/data/')) {
        // Network isolation: the Python SDK ships the source as a "code" channel and points here.
        const archive = join(dir, submit.slice('/opt/ml/'.length));
        if (!(await exists(archive)))
          throw new Error(
            `ClientError: sagemaker_submit_directory "${submit}" is not in the job's channels; add the channel that holds it (the Python SDK's "code" channel).`,
          );
        await unpackArchive(archive, paths.code);
      } else if (submit) {
        if (!submit.startsWith('s3://'))
          throw new Error(
            `ClientError: sagemaker_submit_directory "${submit}" must be an s3:// URI of a sourcedir.tar.gz in local S3, or a file in a channel (/opt/ml/input/data/<channel>/...).`,
          );
        await fs.cp(await materialize(this.ctx.s3, this.ctx.stateDir, submit), paths.code, { recursive: true });
      }
      // As the training toolkit does, a requirements.txt in the source folder is installed before the script runs.
      const python = await interpreterFor(
        this.ctx,
        this.ctx.pythonFor(input.AlgorithmSpecification?.TrainingImage),
        paths.code,
      );
      const shim = await this.shimDir(python);
      const channelEnv = Object.fromEntries(
        channels.map((c) => [`SM_CHANNEL_${envName(c)}`, seen(join(paths.data, c))]),
      );
      const hpEnv = Object.fromEntries(
        Object.entries(userHps).map(([k, v]) => [`SM_HP_${envName(k)}`, typeof v === 'string' ? v : JSON.stringify(v)]),
      );
      const userArgs = Object.keys(userHps)
        .sort()
        .flatMap((k) => [`--${k}`, cliValue(userHps[k])]);
      const trainingEnv = {
        channel_input_dirs: Object.fromEntries(channels.map((c) => [c, seen(join(paths.data, c))])),
        current_host: 'algo-1',
        hosts,
        hyperparameters: userHps,
        input_data_config: inputDataConfig,
        job_name: name,
        model_dir: seen(paths.model),
        output_data_dir: seen(paths.outputData),
        num_gpus: 0,
        num_cpus: cpus().length,
        module_dir: submit,
        user_entry_point: program,
      };
      const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        ...(input.Environment ?? {}),
        PYTHONUNBUFFERED: '1',
        ...(shim ? { PATH: `${shim}:${process.env.PATH ?? ''}` } : {}),
        SM_MODEL_DIR: seen(paths.model),
        SM_INPUT_DIR: seen(paths.input),
        SM_INPUT_CONFIG_DIR: seen(paths.config),
        SM_INPUT_DATA_CONFIG: JSON.stringify(inputDataConfig),
        SM_OUTPUT_DIR: seen(paths.output),
        SM_OUTPUT_DATA_DIR: seen(paths.outputData),
        SM_CHANNELS: JSON.stringify(channels),
        ...channelEnv,
        SM_HPS: JSON.stringify(userHps),
        ...hpEnv,
        SM_USER_ARGS: JSON.stringify(userArgs),
        SM_NUM_GPUS: '0',
        SM_NUM_CPUS: String(cpus().length),
        SM_HOSTS: JSON.stringify(hosts),
        SM_CURRENT_HOST: 'algo-1',
        SM_CURRENT_INSTANCE_TYPE: input.ResourceConfig?.InstanceType ?? 'local',
        SM_NETWORK_INTERFACE_NAME: 'lo',
        SM_TRAINING_ENV: JSON.stringify(trainingEnv),
        SM_MODULE_DIR: submit ?? '',
        SM_USER_ENTRY_POINT: program ?? '',
        SM_LOG_LEVEL: '20',
        TRAINING_JOB_NAME: name,
        TRAINING_JOB_ARN: this.ctx.arn('training-job', name),
        SM_CHECKPOINT_DIR: seen(paths.checkpoints),
      };

      let command: string;
      let args: string[];
      if (entrypoint) {
        const map = (s: string) => (isolated ? s : s.replaceAll('/opt/ml/', `${dir}/`).replace(/^\/opt\/ml$/, dir));
        const [first, ...rest] = entrypoint.map(map);
        command = first === 'python' || first === 'python3' ? python : (first as string);
        args = [...rest, ...((input.AlgorithmSpecification?.ContainerArguments ?? []) as string[]).map(map)];
      } else {
        const script = join(paths.code, program as string);
        if (!(await exists(script)))
          throw new Error(
            `ClientError: sagemaker_program ${program} is not in the source directory ${submit ?? '(none)'}.`,
          );
        const distributed = [
          'sagemaker_torch_distributed_enabled',
          'sagemaker_pytorch_ddp_enabled',
          'sagemaker_distributed_dataparallel_enabled',
          'sagemaker_mpi_enabled',
        ].some((k) => decoded[k] === true);
        const perHost = Math.max(1, Number(decoded.sagemaker_mpi_num_of_processes_per_host ?? 1));
        if (distributed) {
          // One local process per requested host (times processes per host), rendezvous over loopback; CPU → gloo.
          const nproc = instanceCount * perHost;
          command = python;
          args = [
            '-m',
            'torch.distributed.run',
            '--standalone',
            '--nnodes',
            '1',
            '--nproc_per_node',
            String(nproc),
            seen(script),
            ...userArgs,
          ];
          env.SM_LOCAL_DISTRIBUTED_PROCESSES = String(nproc);
        } else {
          command = python;
          args = [seen(script), ...userArgs];
        }
      }
      await transition('Training', `Running ${program ?? entrypoint?.join(' ')} locally`);
      const maxRuntimeMs = input.StoppingCondition?.MaxRuntimeInSeconds
        ? Number(input.StoppingCondition.MaxRuntimeInSeconds) * 1000
        : undefined;
      const result = await this.spawnLogged('training', name, command, args, {
        cwd: paths.code,
        containerCwd: seen(paths.code),
        env,
        maxRuntimeMs,
        binds: [{ host: dir, container: '/opt/ml' }],
        network: input.EnableNetworkIsolation === true ? false : undefined,
      });
      const finalMetrics = await this.metrics(name, input.AlgorithmSpecification?.MetricDefinitions);
      const seconds = Math.max(1, Math.round((Date.now() - started) / 1000));
      if (result.stopped || result.timedOut) {
        await transition('Stopped', result.timedOut ? 'MaxRuntimeInSeconds exceeded' : 'Stopped by StopTrainingJob');
        return set({
          TrainingJobStatus: 'Stopped',
          ...(result.timedOut
            ? {
                FailureReason: `MaxRuntimeExceeded: the job ran longer than ${input.StoppingCondition.MaxRuntimeInSeconds} s`,
              }
            : {}),
          TrainingEndTime: now(),
          TrainingTimeInSeconds: seconds,
          BillableTimeInSeconds: seconds,
          FinalMetricDataList: finalMetrics,
        });
      }
      if (result.exitCode !== 0) throw new Error(this.failureReason('training', name, result));

      await transition('Uploading', 'Uploading the model artifacts to local S3');
      const outputBase = `${String(input.OutputDataConfig.S3OutputPath).replace(/\/$/, '')}/${name}/output`;
      const modelTar = join(dir, 'model.tar.gz');
      await packFolder(paths.model, modelTar);
      await this.ctx.s3.uploadFrom(modelTar, `${outputBase}/model.tar.gz`);
      const outputTar = join(dir, 'output.tar.gz');
      await packFolder(paths.outputData, outputTar);
      await this.ctx.s3.uploadFrom(outputTar, `${outputBase}/output.tar.gz`);
      await transition('Completed', 'Training job completed');
      return set({
        TrainingJobStatus: 'Completed',
        ModelArtifacts: { S3ModelArtifacts: `${outputBase}/model.tar.gz` },
        TrainingEndTime: now(),
        TrainingTimeInSeconds: seconds,
        BillableTimeInSeconds: seconds,
        FinalMetricDataList: finalMetrics,
      });
    } catch (error) {
      const reason = (error as Error).message;
      this.ctx.log('training-job', name, 'progress', `training job ${name} failed: ${reason.split('\n')[0]}`);
      await transition('Failed', reason.split('\n')[0] as string);
      return set({ TrainingJobStatus: 'Failed', FailureReason: reason, TrainingEndTime: now() });
    }
  }

  /** FinalMetricDataList from the job log, using the MetricDefinitions regexes (last match wins). */
  private async metrics(name: string, definitions: { Name: string; Regex: string }[] | undefined): Promise<Rec[]> {
    if (!definitions?.length) return [];
    let text = '';
    try {
      text = await fs.readFile(this.logFile('training', name), 'utf8');
    } catch {
      return [];
    }
    const out: Rec[] = [];
    for (const def of definitions) {
      let last: number | undefined;
      try {
        for (const match of text.matchAll(new RegExp(def.Regex, 'g'))) {
          const value = Number(match[1] ?? match[0]);
          if (Number.isFinite(value)) last = value;
        }
      } catch {
        continue; // an invalid regex yields no metric, as a metric that never appears
      }
      if (last !== undefined) out.push({ MetricName: def.Name, Value: last, Timestamp: now() });
    }
    return out;
  }

  private async runProcessing(name: string, input: Rec): Promise<Rec> {
    const set = (patch: Rec) => this.processing.update(name, (j) => ({ ...j, ...patch, LastModifiedTime: now() }));
    try {
      const dir = this.jobDir('processing', name);
      await fs.rm(dir, { recursive: true, force: true });
      const root = join(dir, 'fs');
      // Container paths (/opt/ml/processing/...) live under the job's own folder.
      const mapPath = (p: string) => (isAbsolute(p) ? join(root, p) : join(root, 'opt/ml/processing', p));
      // With a private view the process sees them at their own paths; without one, paths in its arguments and
      // environment are rewritten into the job's folder.
      const isolated = this.ctx.container.isolated;
      const mapText = (s: string) => (isolated ? s : s.replaceAll('/opt/ml/', `${root}/opt/ml/`));
      // LocalPath must begin with /opt/ml/processing/ (the API says so), so one bind covers every input and output.
      const binds: Bind[] = [{ host: join(root, 'opt/ml'), container: '/opt/ml' }];
      await fs.mkdir(join(root, 'opt/ml/config'), { recursive: true });
      for (const [i, pin] of ((input.ProcessingInputs ?? []) as Rec[]).entries()) {
        const s3 = pin.S3Input;
        if (!s3)
          throw new Error(
            `ClientError: ProcessingInputs[${i}] (${pin.InputName}): local mode supports S3Input only (not DatasetDefinition).`,
          );
        const localPath = s3.LocalPath ?? `/opt/ml/processing/input/${pin.InputName}`;
        const target = mapPath(localPath);
        await fs.mkdir(target, { recursive: true });
        if (s3.S3DataType === 'ManifestFile')
          throw new Error(
            `ClientError: ProcessingInputs[${i}] (${pin.InputName}): ManifestFile inputs are not supported in local mode.`,
          );
        await this.ctx.s3.downloadTo(s3.S3Uri, target);
      }
      const outputs = ((input.ProcessingOutputConfig?.Outputs ?? []) as Rec[]).filter((o) => o.S3Output);
      const cluster = input.ProcessingResources?.ClusterConfig ?? {};
      const app = input.AppSpecification as Rec;
      const python = this.ctx.pythonFor(app.ImageUri);
      // Independent of each other: issued together, so a job waits for one round of file system calls, not six.
      const shimFound = this.shimDir(python);
      await Promise.all([
        shimFound,
        ...outputs.map((out) => fs.mkdir(mapPath(out.S3Output.LocalPath), { recursive: true })),
        fs.writeFile(
          join(root, 'opt/ml/config/processingjobconfig.json'),
          JSON.stringify({ ...input, ProcessingJobName: name }),
        ),
        fs.writeFile(
          join(root, 'opt/ml/config/resourceconfig.json'),
          JSON.stringify({
            current_host: 'algo-1',
            hosts: Array.from({ length: Math.max(1, Number(cluster.InstanceCount ?? 1)) }, (_, i) => `algo-${i + 1}`),
          }),
        ),
      ]);
      const shim = await shimFound;
      const entrypoint = ((app.ContainerEntrypoint ?? []) as string[]).map(mapText);
      const args = ((app.ContainerArguments ?? []) as string[]).map(mapText);
      if (entrypoint.length === 0)
        throw new Error(
          `ClientError: AppSpecification.ContainerEntrypoint is required in local mode (the image's own entrypoint cannot run without Docker): e.g. ["python3", "/opt/ml/processing/input/code/script.py"].`,
        );
      // Shell entrypoints (the Python SDK's runproc.sh) hard-code container paths: rewrite them too.
      for (const part of entrypoint) {
        if (!isolated && part.endsWith('.sh') && part.startsWith(root) && (await exists(part))) {
          await fs.writeFile(part, mapText(await fs.readFile(part, 'utf8')));
        }
      }
      const [first, ...rest] = entrypoint as [string, ...string[]];
      const command = first === 'python' || first === 'python3' || /\/python3?$/.test(first) ? python : first;
      const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        PYTHONUNBUFFERED: '1',
        ...(shim ? { PATH: `${shim}:${process.env.PATH ?? ''}` } : {}),
        ...Object.fromEntries(
          Object.entries((input.Environment ?? {}) as Record<string, string>).map(([k, v]) => [k, mapText(String(v))]),
        ),
        PROCESSING_JOB_NAME: name,
        SM_LOCAL_CONTAINER_ROOT: root,
      };
      const maxRuntimeMs = input.StoppingCondition?.MaxRuntimeInSeconds
        ? Number(input.StoppingCondition.MaxRuntimeInSeconds) * 1000
        : undefined;
      const result = await this.spawnLogged('processing', name, command, [...rest, ...args], {
        cwd: root,
        env,
        maxRuntimeMs,
        binds,
      });
      if (result.stopped || result.timedOut) {
        return set({
          ProcessingJobStatus: 'Stopped',
          ...(result.timedOut ? { FailureReason: 'MaxRuntimeExceeded' } : {}),
          ProcessingEndTime: now(),
        });
      }
      if (result.exitCode !== 0) {
        const reason = this.failureReason('processing', name, result);
        return set({
          ProcessingJobStatus: 'Failed',
          FailureReason: reason,
          ExitMessage: result.tail.slice(-5).join('\n'),
          ProcessingEndTime: now(),
        });
      }
      for (const out of outputs) await this.ctx.s3.uploadFrom(mapPath(out.S3Output.LocalPath), out.S3Output.S3Uri);
      return set({ ProcessingJobStatus: 'Completed', ExitMessage: '', ProcessingEndTime: now() });
    } catch (error) {
      const reason = (error as Error).message;
      this.ctx.log('processing-job', name, 'progress', `processing job ${name} failed: ${reason.split('\n')[0]}`);
      return set({ ProcessingJobStatus: 'Failed', FailureReason: reason, ProcessingEndTime: now() });
    }
  }

  register(table: CommandTable): void {
    const describe = async <T>(kind: JobKind, name: string | undefined = ''): Promise<T> => {
      const record = await (kind === 'training' ? this.training : this.processing).get(name);
      if (!record)
        throw new ResourceNotFound({
          $metadata: metadata(400),
          message: `Requested resource not found: ${kind === 'training' ? 'training' : 'processing'} job "${name}" does not exist.`,
        });
      return { $metadata: metadata(200), ...revive(record) } as T;
    };
    table.on(CreateTrainingJobCommand, async (input) => ({
      $metadata: metadata(200),
      TrainingJobArn: await this.createTraining(input),
    }));
    table.on(DescribeTrainingJobCommand, (input) =>
      describe<DescribeTrainingJobCommandOutput>('training', input.TrainingJobName),
    );
    table.on(StopTrainingJobCommand, async (input) => {
      await this.stop('training', input.TrainingJobName ?? '');
      return { $metadata: metadata(200) };
    });
    table.on(ListTrainingJobsCommand, async (input) => {
      let jobs = await this.training.list();
      if (input.NameContains) jobs = jobs.filter((j) => String(j.TrainingJobName).includes(input.NameContains ?? ''));
      if (input.StatusEquals) jobs = jobs.filter((j) => j.TrainingJobStatus === input.StatusEquals);
      const sorted = sortItems(timeFilter(jobs, input), input, 'TrainingJobName');
      return {
        $metadata: metadata(200),
        TrainingJobSummaries: revive(
          sorted.map((j) => ({
            TrainingJobName: j.TrainingJobName,
            TrainingJobArn: j.TrainingJobArn,
            CreationTime: j.CreationTime,
            TrainingEndTime: j.TrainingEndTime,
            LastModifiedTime: j.LastModifiedTime,
            TrainingJobStatus: j.TrainingJobStatus,
          })),
        ),
      };
    });
    table.on(CreateProcessingJobCommand, async (input) => ({
      $metadata: metadata(200),
      ProcessingJobArn: await this.createProcessing(input),
    }));
    table.on(DescribeProcessingJobCommand, (input) =>
      describe<DescribeProcessingJobCommandOutput>('processing', input.ProcessingJobName),
    );
    table.on(StopProcessingJobCommand, async (input) => {
      await this.stop('processing', input.ProcessingJobName ?? '');
      return { $metadata: metadata(200) };
    });
    table.on(ListProcessingJobsCommand, async (input) => {
      let jobs = await this.processing.list();
      if (input.NameContains) jobs = jobs.filter((j) => String(j.ProcessingJobName).includes(input.NameContains ?? ''));
      if (input.StatusEquals) jobs = jobs.filter((j) => j.ProcessingJobStatus === input.StatusEquals);
      const sorted = sortItems(timeFilter(jobs, input), input, 'ProcessingJobName');
      return {
        $metadata: metadata(200),
        ProcessingJobSummaries: revive(
          sorted.map((j) => ({
            ProcessingJobName: j.ProcessingJobName,
            ProcessingJobArn: j.ProcessingJobArn,
            CreationTime: j.CreationTime,
            ProcessingEndTime: j.ProcessingEndTime,
            LastModifiedTime: j.LastModifiedTime,
            ProcessingJobStatus: j.ProcessingJobStatus,
            FailureReason: j.FailureReason,
          })),
        ),
      };
    });
  }
}
