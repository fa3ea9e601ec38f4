import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { type DemoContext, mlPython, repoRoot } from './context.js';
import { DemoError, StepFailedError } from './errors.js';
import type { Reporter } from './progress.js';
import {
  approveStep,
  dataStep,
  deployStep,
  type DataOutputs,
  pipelineStart,
  pipelineUpsert,
  pipelineWait,
  testEndpointStep,
  tuneStep,
} from './steps.js';

/** One step of `all`: a name for progress and resume, and what it does. */
interface LoopStep {
  name: string;
  description: string;
  run(ctx: DemoContext): Promise<Record<string, unknown>>;
}

export const REPORT_PARTS = ['evaluation', 'drift', 'explanation', 'robustness'] as const;

/** Sets up the ML venv with the project's script when it is missing (`all` does this before anything else). */
export function ensurePythonEnv(reporter: Reporter): void {
  if (existsSync(mlPython())) return;
  reporter.info('setting up the Python environment (bash scripts/setup-python.sh ml); this takes a few minutes once');
  try {
    execFileSync('bash', [join(repoRoot, 'scripts/setup-python.sh'), 'ml'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch (error) {
    throw new StepFailedError('setup-python', `bash scripts/setup-python.sh ml failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Copies the evaluation, drift, explanation and robustness reports of an execution to the work folder. */
export async function downloadReports(ctx: DemoContext, executionArn: string): Promise<Record<string, string>> {
  const executionId = executionArn.split('/').pop() ?? executionArn;
  const base = join(ctx.workDir, 'reports', executionId);
  const where: Record<string, string> = {};
  for (const part of REPORT_PARTS) {
    const prefix = `${ctx.names.pipelineName}/${executionId}/${part}/`;
    const listing = await ctx.s3.send(new ListObjectsV2Command({ Bucket: ctx.names.bucket, Prefix: prefix }));
    const keys = (listing.Contents ?? []).map((o) => o.Key).filter((k): k is string => Boolean(k));
    if (keys.length === 0)
      throw new DemoError(`the ${part} report is missing: nothing under s3://${ctx.names.bucket}/${prefix}`, 'reports');
    const dir = join(base, part);
    mkdirSync(dir, { recursive: true });
    for (const key of keys) {
      const object = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.names.bucket, Key: key }));
      const target = join(dir, key.slice(prefix.length));
      mkdirSync(join(target, '..'), { recursive: true });
      writeFileSync(target, (await object.Body?.transformToByteArray()) ?? new Uint8Array());
    }
    where[part] = dir;
  }
  return where;
}

function steps(): LoopStep[] {
  return [
    {
      name: 'data',
      description: 'build the Fashion-MNIST ImageFolder zip and the unlabelled pool, put them in the lake',
      run: dataStep,
    },
    {
      name: 'tune',
      description: 'Optuna study as a training job; best parameters become pipeline defaults',
      run: tuneStep,
    },
    {
      name: 'pipeline',
      description: 'upsert the pipeline and run it: preprocess → train → evaluate → gate → register',
      async run(ctx) {
        // The execution is recorded as soon as it starts, so a rerun waits for it instead of starting another.
        let started = ctx.state.completed('pipeline-started') as { executionArn: string } | undefined;
        if (!started) {
          await pipelineUpsert(ctx);
          const executionArn = await pipelineStart(ctx);
          ctx.state.record('pipeline-started', { executionArn });
          started = { executionArn };
        } else {
          ctx.reporter.info(`resuming: waiting for the execution started earlier (${started.executionArn})`);
        }
        try {
          const result = await pipelineWait(ctx, started.executionArn);
          return { executionArn: started.executionArn, ...result };
        } catch (error) {
          ctx.state.forget('pipeline-started');
          throw error;
        }
      },
    },
    {
      name: 'reports',
      description: 'fetch the evaluation, drift, explanation and robustness reports',
      async run(ctx) {
        const pipeline = ctx.state.completed('pipeline') as { executionArn: string };
        return downloadReports(ctx, pipeline.executionArn);
      },
    },
    {
      name: 'approve',
      description: 'approve the registered model version (manual approval)',
      run: (ctx) => approveStep(ctx),
    },
    {
      name: 'deploy-staging',
      description: 'deploy the approved version to the serverless staging endpoint',
      run: (ctx) => deployStep(ctx, 'staging'),
    },
    {
      name: 'test-staging',
      description: 'endpoint tests on the held-out images (staging)',
      async run(ctx) {
        const data = ctx.state.completed('data') as DataOutputs;
        const report = await testEndpointStep(ctx, {
          dir: data.heldOutDir,
          stage: 'staging',
          minAccuracy: ctx.profile.endpointMinAccuracy,
        });
        return { accuracy: report.accuracy, total: report.total, correct: report.correct };
      },
    },
    {
      name: 'deploy-prod',
      description: 'promote the tested version to the real-time prod endpoint',
      run: (ctx) => deployStep(ctx, 'prod'),
    },
  ];
}

export const LOOP_STEP_NAMES = steps().map((s) => s.name);

/**
 * The whole loop. Completed steps (recorded in the state folder) are skipped, so a rerun after a
 * failure resumes where it stopped; `fresh` starts over.
 */
export async function runAll(
  ctx: DemoContext,
  options: { fresh?: boolean } = {},
): Promise<Record<string, Record<string, unknown>>> {
  if (options.fresh) ctx.state.reset();
  const all = steps();
  const outputs: Record<string, Record<string, unknown>> = {};
  for (const [index, step] of all.entries()) {
    const done = ctx.state.completed(step.name);
    ctx.reporter.step(index + 1, all.length, step.name, step.description);
    if (done) {
      ctx.reporter.skipped(step.name, 'done in an earlier run (use --fresh to redo)');
      outputs[step.name] = done;
      continue;
    }
    const started = performance.now();
    try {
      const result = await step.run(ctx);
      ctx.state.record(step.name, result);
      outputs[step.name] = result;
      ctx.reporter.done(step.name, summarize(result), (performance.now() - started) / 1000);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw error instanceof StepFailedError ? error : new StepFailedError(step.name, reason, { cause: error });
    }
  }
  return outputs;
}

function summarize(result: Record<string, unknown>): string {
  return Object.entries(result)
    .filter(([, v]) => typeof v !== 'object')
    .slice(0, 5)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : String(v)}`)
    .join(' ');
}

/** Markdown files of a report folder, for the closing summary. */
export function reportFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.md') || f.endsWith('.json'));
}

export function clearWorkDir(ctx: DemoContext): void {
  rmSync(ctx.workDir, { recursive: true, force: true });
}
