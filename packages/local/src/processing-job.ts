import { promises as fs } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Bind } from './container.js';
import { exists } from './fsutil.js';
import type { JobRunner } from './jobs.js';
import { now } from './listing.js';
import type { Rec } from './untyped.js';

/**
 * A processing job as a local process: its S3 inputs downloaded into the job's /opt/ml/processing folders, the
 * container entry point run with them as its own /opt/ml (or with the paths rewritten, without a private view),
 * and its outputs uploaded to local S3.
 */
export async function runProcessing(
  runner: JobRunner,
  name: string,
  input: Rec,
  /** The job's record being written by CreateProcessingJob; if that fails (the name is taken), nothing runs. */
  recorded: Promise<unknown>,
): Promise<Rec> {
  const set = (patch: Rec) => runner.processing.update(name, (j) => ({ ...j, ...patch, LastModifiedTime: now() }));
  const isOurs = recorded.then(
    () => true,
    () => false,
  );
  try {
    const dir = runner.jobDir('processing', name);
    await fs.rm(dir, { recursive: true, force: true });
    const root = join(dir, 'fs');
    // Container paths (/opt/ml/processing/...) live under the job's own folder.
    const mapPath = (p: string) => (isAbsolute(p) ? join(root, p) : join(root, 'opt/ml/processing', p));
    // With a private view the process sees them at their own paths; without one, paths in its arguments and
    // environment are rewritten into the job's folder.
    const isolated = runner.ctx.container.isolated;
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
      await runner.ctx.s3.downloadTo(s3.S3Uri, target);
    }
    const outputs = ((input.ProcessingOutputConfig?.Outputs ?? []) as Rec[]).filter((o) => o.S3Output);
    const cluster = input.ProcessingResources?.ClusterConfig ?? {};
    const app = input.AppSpecification as Rec;
    const python = runner.ctx.pythonFor(app.ImageUri);
    // Independent of each other: issued together, so a job waits for one round of file system calls, not six.
    const shimFound = runner.shims.dirFor(python);
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
    if (!(await isOurs)) return {};
    const result = await runner.spawnLogged('processing', name, command, [...rest, ...args], {
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
    if (result.exitCode !== 0 || result.hostWriteError) {
      const reason = runner.failureReason('processing', name, result);
      return set({
        ProcessingJobStatus: 'Failed',
        FailureReason: reason,
        ExitMessage: result.tail.slice(-5).join('\n'),
        ProcessingEndTime: now(),
      });
    }
    for (const out of outputs) await runner.ctx.s3.uploadFrom(mapPath(out.S3Output.LocalPath), out.S3Output.S3Uri);
    return set({ ProcessingJobStatus: 'Completed', ExitMessage: '', ProcessingEndTime: now() });
  } catch (error) {
    if (!(await isOurs)) return {};
    const reason = (error as Error).message;
    runner.ctx.log('processing-job', name, 'progress', `processing job ${name} failed: ${reason.split('\n')[0]}`);
    return set({ ProcessingJobStatus: 'Failed', FailureReason: reason, ProcessingEndTime: now() });
  }
}
