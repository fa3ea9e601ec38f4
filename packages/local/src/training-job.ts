import { promises as fs } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { materialize, packFolder, unpackArchive } from './archive.js';
import { exists } from './fsutil.js';
import type { JobRunner } from './jobs.js';
import { now } from './listing.js';
import { interpreterFor } from './requirements.js';
import type { Rec } from './untyped.js';

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

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * A training job as a local process that emulates the SageMaker framework containers' training toolkit: channels
 * downloaded from local S3, the config files and SM_* variables, the entry point with its hyperparameters as
 * arguments, then model.tar.gz and output.tar.gz uploaded to local S3.
 */
export async function runTraining(runner: JobRunner, name: string, input: Rec): Promise<Rec> {
  const started = Date.now();
  const set = (patch: Rec) => runner.training.update(name, (j) => ({ ...j, ...patch, LastModifiedTime: now() }));
  const transition = async (status: string, message: string) =>
    runner.training.update(name, (j) => {
      const transitions = [...(j?.SecondaryStatusTransitions ?? [])];
      const last = transitions[transitions.length - 1];
      if (last && !last.EndTime) last.EndTime = now();
      transitions.push({ Status: status, StartTime: now(), StatusMessage: message });
      return { ...j, SecondaryStatus: status, SecondaryStatusTransitions: transitions, LastModifiedTime: now() };
    });
  try {
    const dir = runner.jobDir('training', name);
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
    const isolated = runner.ctx.container.isolated;
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
      const count = await runner.ctx.s3.downloadTo(s3.S3Uri, join(paths.data, channelName));
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
      await fs.cp(await materialize(runner.ctx.s3, runner.ctx.stateDir, submit), paths.code, { recursive: true });
    }
    // As the training toolkit does, a requirements.txt in the source folder is installed before the script runs.
    const python = await interpreterFor(
      runner.ctx,
      runner.ctx.pythonFor(input.AlgorithmSpecification?.TrainingImage),
      paths.code,
    );
    const shim = await runner.shims.dirFor(python);
    const channelEnv = Object.fromEntries(channels.map((c) => [`SM_CHANNEL_${envName(c)}`, seen(join(paths.data, c))]));
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
      TRAINING_JOB_ARN: runner.ctx.arn('training-job', name),
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
    const result = await runner.spawnLogged('training', name, command, args, {
      cwd: paths.code,
      containerCwd: seen(paths.code),
      env,
      maxRuntimeMs,
      binds: [{ host: dir, container: '/opt/ml' }],
      network: input.EnableNetworkIsolation === true ? false : undefined,
    });
    const finalMetrics = await metrics(runner, name, input.AlgorithmSpecification?.MetricDefinitions);
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
    if (result.exitCode !== 0 || result.hostWriteError) throw new Error(runner.failureReason('training', name, result));

    await transition('Uploading', 'Uploading the model artifacts to local S3');
    const outputBase = `${String(input.OutputDataConfig.S3OutputPath).replace(/\/$/, '')}/${name}/output`;
    const modelTar = join(dir, 'model.tar.gz');
    await packFolder(paths.model, modelTar);
    await runner.ctx.s3.uploadFrom(modelTar, `${outputBase}/model.tar.gz`);
    const outputTar = join(dir, 'output.tar.gz');
    await packFolder(paths.outputData, outputTar);
    await runner.ctx.s3.uploadFrom(outputTar, `${outputBase}/output.tar.gz`);
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
    runner.ctx.log('training-job', name, 'progress', `training job ${name} failed: ${reason.split('\n')[0]}`);
    await transition('Failed', reason.split('\n')[0] as string);
    return set({ TrainingJobStatus: 'Failed', FailureReason: reason, TrainingEndTime: now() });
  }
}

/** FinalMetricDataList from the job log, using the MetricDefinitions regexes (last match wins). */
async function metrics(
  runner: JobRunner,
  name: string,
  definitions: { Name: string; Regex: string }[] | undefined,
): Promise<Rec[]> {
  if (!definitions?.length) return [];
  let text = '';
  try {
    text = await fs.readFile(runner.logFile('training', name), 'utf8');
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
