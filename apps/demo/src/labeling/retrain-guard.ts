import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  DescribePipelineExecutionCommand,
  ListPipelineExecutionsCommand,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { z } from 'zod';
import type { DemoContext } from '../context.js';

/** Executions the bridge starts are named `labeling-p<project>-b<batch>` (one per threshold crossing). */
const RETRAIN_NAME = /^labeling-p\d+-b\d+/;

const pendingSchema = z.array(
  z.object({ displayName: z.string(), executionArn: z.string(), lake: z.string(), stoppedAt: z.string() }),
);
export type PendingRetrain = z.infer<typeof pendingSchema>[number];

/** Retrains (threshold-crossing executions) of the demo's pipeline that are still running. */
export async function runningRetrains(ctx: DemoContext): Promise<Array<{ arn: string; displayName: string }>> {
  const page = await ctx.sagemaker.send(
    new ListPipelineExecutionsCommand({
      PipelineName: ctx.names.pipelineName,
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 50,
    }),
  );
  return (page.PipelineExecutionSummaries ?? [])
    .filter((s) => s.PipelineExecutionStatus === 'Executing' || s.PipelineExecutionStatus === 'Stopping')
    .filter((s) => RETRAIN_NAME.test(s.PipelineExecutionDisplayName ?? ''))
    .map((s) => ({ arn: s.PipelineExecutionArn ?? '', displayName: s.PipelineExecutionDisplayName ?? '' }));
}

/** The demo's record of crossings whose retrain was stopped with `label`: the next `label` or `label sync` reruns them. */
export class PendingRetrains {
  constructor(readonly file: string) {}

  static of(ctx: DemoContext): PendingRetrains {
    return new PendingRetrains(join(ctx.workDir, 'pending-retrains.json'));
  }

  list(): PendingRetrain[] {
    if (!existsSync(this.file)) return [];
    const parsed = pendingSchema.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
    return parsed.success ? parsed.data : [];
  }

  add(entry: PendingRetrain): void {
    this.#save([...this.list().filter((e) => e.displayName !== entry.displayName), entry]);
  }

  remove(displayName: string): void {
    this.#save(this.list().filter((e) => e.displayName !== displayName));
  }

  #save(entries: PendingRetrain[]): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(entries, null, 2)}\n`);
    renameSync(temporary, this.file);
  }
}

/**
 * Called when `label` is asked to stop. A retrain in local mode runs inside this process, so stopping would kill
 * it while the bridge has already recorded its crossing as started. So: wait for running retrains (saying so);
 * if the person interrupts again, stop them and record each crossing, which the next `label` or `label sync`
 * starts again. On AWS the executions run in SageMaker and nothing needs to wait.
 */
export async function settleRetrainsBeforeExit(
  ctx: DemoContext,
  options: { lake: string; interrupted: Promise<void>; pollMs?: number },
): Promise<'none' | 'finished' | 'recorded'> {
  if (ctx.target !== 'local') return 'none';
  const running = await runningRetrains(ctx);
  if (running.length === 0) return 'none';
  for (const run of running)
    ctx.reporter.info(
      `waiting for the retrain ${run.displayName} to finish before stopping (Ctrl-C again to stop it now; it then runs again at the next \`label\` or \`label sync\`)`,
    );
  let interrupted = false;
  void options.interrupted.then(() => {
    interrupted = true;
  });
  for (;;) {
    const statuses = await Promise.all(
      running.map(async (run) => {
        const described = await ctx.sagemaker.send(
          new DescribePipelineExecutionCommand({ PipelineExecutionArn: run.arn }),
        );
        return described.PipelineExecutionStatus;
      }),
    );
    if (statuses.every((s) => s !== 'Executing' && s !== 'Stopping')) {
      ctx.reporter.info(`retrain finished (${statuses.join(', ')})`);
      return 'finished';
    }
    if (interrupted) break;
    await Promise.race([new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2_000)), options.interrupted]);
  }
  const pending = PendingRetrains.of(ctx);
  for (const run of running) {
    pending.add({
      displayName: run.displayName,
      executionArn: run.arn,
      lake: options.lake,
      stoppedAt: new Date().toISOString(),
    });
    await ctx.sagemaker
      .send(
        new StopPipelineExecutionCommand({ PipelineExecutionArn: run.arn, ClientRequestToken: `stop-${Date.now()}` }),
      )
      .catch(() => undefined);
    ctx.reporter.info(`stopped ${run.displayName}; recorded, so the next \`label\` or \`label sync\` retrains again`);
  }
  return 'recorded';
}

/** Starts a fresh retrain for every crossing recorded by an interrupted stop; returns the executions started. */
export async function resumePendingRetrains(ctx: DemoContext): Promise<string[]> {
  const pending = PendingRetrains.of(ctx);
  const started: string[] = [];
  for (const entry of pending.list()) {
    // The pipeline as it is (as the bridge starts it), with a fresh token: the stopped execution's token is spent.
    const answer = await ctx.sagemaker.send(
      new StartPipelineExecutionCommand({
        PipelineName: ctx.names.pipelineName,
        PipelineExecutionDisplayName: `${entry.displayName}-again`.slice(0, 82),
        PipelineExecutionDescription: `rerun of ${entry.displayName}, stopped with \`label\` at ${entry.stoppedAt}`,
        PipelineParameters: [{ Name: 'LakePrefix', Value: entry.lake }],
        ClientRequestToken: `${entry.displayName}-${randomUUID()}`.slice(0, 128),
      }),
    );
    const arn = answer.PipelineExecutionArn ?? '';
    pending.remove(entry.displayName);
    ctx.reporter.info(`retrain for ${entry.displayName} (stopped at ${entry.stoppedAt}) started again: ${arn}`);
    started.push(arn);
  }
  return started;
}
