import { createHash } from 'node:crypto';
import type { LocalContext } from './context.js';
import { evaluate, ExpressionError, parseDuration, type EvaluationScope } from './expressions.js';
import { sleep } from './fsutil.js';
import { now } from './listing.js';
import {
  canonical,
  isSupportedStepType,
  jobName,
  type StepDef,
  StepFailure,
  type StepNode,
  type StepState,
} from './pipeline-graph.js';
import { type RunningExecution, STEP_ACTIONS, type StepResult, type StepServices } from './pipeline-steps/index.js';
import type { ResourceStore } from './store.js';
import type { Rec } from './untyped.js';

/**
 * The executor core: walks an execution's step graph (dependencies, condition branches, parallelism), runs each
 * step's action from STEP_ACTIONS with retries (RetryPolicies) and the step cache (CacheConfig), and records the
 * steps' and the execution's status.
 */
export class PipelineExecutor {
  constructor(
    private readonly ctx: LocalContext,
    private readonly executions: ResourceStore<Rec>,
    private readonly cache: ResourceStore<Rec>,
    private readonly services: StepServices,
  ) {}

  async execute(
    id: string,
    arn: string,
    pipelineName: string,
    nodes: Map<string, StepNode>,
    scope: EvaluationScope,
    parallelism: number,
    run: RunningExecution,
  ): Promise<void> {
    const state = new Map<string, StepState>([...nodes.keys()].map((n) => [n, 'Pending']));
    const outcomes = new Map<string, boolean>();
    const active = new Map<string, Promise<void>>();
    let failure: string | undefined;
    // Step status records are written behind the walk: in order (the store chains updates per execution), but the
    // next step starts without waiting for the previous one's record to reach the disk. The execution's final
    // status is written only after all of them, and a failed write fails the execution.
    const pendingWrites = new Set<Promise<void>>();
    let writeError: Error | undefined;
    const writeStep = (record: Rec): Promise<void> => {
      const snapshot = { ...record };
      const write = this.executions
        .update(id, (e) => {
          const steps = [...((e?.Steps ?? []) as Rec[])];
          const index = steps.findIndex((s) => s.StepName === snapshot.StepName);
          if (index >= 0) steps[index] = { ...steps[index], ...snapshot };
          else steps.push(snapshot);
          return { ...e, Steps: steps, LastModifiedTime: now() };
        })
        .then(
          () => undefined,
          (error: Error) => {
            writeError ??= error;
          },
        )
        .finally(() => pendingWrites.delete(write));
      pendingWrites.add(write);
      return Promise.resolve();
    };

    const skipBlocked = () => {
      let changed = true;
      while (changed) {
        changed = false;
        for (const [name, node] of nodes) {
          if (state.get(name) !== 'Pending') continue;
          const losingBranch =
            node.branchOf &&
            state.get(node.branchOf.condition) === 'Succeeded' &&
            (outcomes.get(node.branchOf.condition) ? 'If' : 'Else') !== node.branchOf.branch;
          const blocked = [...node.deps].some((d) => state.get(d) === 'Skipped');
          if (losingBranch || blocked) {
            state.set(name, 'Skipped');
            changed = true;
          }
        }
      }
    };

    for (;;) {
      skipBlocked();
      if (!failure && !run.stopRequested) {
        for (const [name, node] of nodes) {
          if (active.size >= parallelism) break;
          if (state.get(name) !== 'Pending') continue;
          if (![...node.deps].every((d) => state.get(d) === 'Succeeded')) continue;
          state.set(name, 'Executing');
          const task = this.runStep(id, arn, pipelineName, node, scope, run, writeStep)
            .then(
              (result) => {
                state.set(name, result.status);
                if (result.outcome !== undefined) outcomes.set(name, result.outcome);
                if (result.status === 'Failed' && !failure) failure = result.reason;
              },
              (error: unknown) => {
                state.set(name, 'Failed');
                failure ??= `Step ${name} failed: ${(error as Error).message}`;
              },
            )
            .finally(() => active.delete(name));
          active.set(name, task);
        }
      }
      if (active.size === 0) break;
      await Promise.race(active.values());
    }
    await Promise.all(pendingWrites);
    if (writeError) failure ??= `Local mode could not record a step's status: ${writeError.message}`;
    const status = run.stopRequested ? 'Stopped' : failure ? 'Failed' : 'Succeeded';
    await this.executions.update(id, (e) => ({
      ...e,
      PipelineExecutionStatus: status,
      ...(failure && !run.stopRequested ? { FailureReason: failure } : {}),
      LastModifiedTime: now(),
    }));
    this.ctx.log(
      'pipeline',
      id,
      'progress',
      `execution ${arn} ${status}${failure ? `: ${failure.split('\n')[0]}` : ''}`,
    );
  }

  private async runStep(
    id: string,
    executionArn: string,
    pipelineName: string,
    node: StepNode,
    scope: EvaluationScope,
    run: RunningExecution,
    writeStep: (record: Rec) => Promise<void>,
  ): Promise<{ status: StepState; reason?: string; outcome?: boolean }> {
    const def = node.def;
    const record: Rec = {
      StepName: def.Name,
      StepStatus: 'Executing',
      StartTime: now(),
      AttemptCount: 1,
      Metadata: {},
    };
    if (def.DisplayName) record.StepDisplayName = def.DisplayName;
    if (def.Description) record.StepDescription = def.Description;
    await writeStep(record);
    this.ctx.log('pipeline', id, 'progress', `step ${def.Name} (${def.Type}) started`);
    const started = Date.now();
    let attempt = 1;
    for (;;) {
      try {
        const result = await this.executeStep(id, executionArn, pipelineName, node, scope, run, attempt, record);
        if (def.PropertyFiles) scope.propertyFiles.set(def.Name, def.PropertyFiles);
        scope.stepProperties.set(def.Name, result.properties);
        if (run.stopRequested && result.stopped) {
          await writeStep({ ...record, StepStatus: 'Stopped', EndTime: now(), Metadata: result.metadata });
          return { status: 'Stopped' };
        }
        await writeStep({
          ...record,
          StepStatus: 'Succeeded',
          EndTime: now(),
          Metadata: result.metadata,
          ...(result.cacheHit ? { CacheHitResult: { SourcePipelineExecutionArn: result.cacheHit } } : {}),
        });
        this.ctx.log('pipeline', id, 'progress', `step ${def.Name} succeeded${result.cacheHit ? ' (cache hit)' : ''}`);
        return { status: 'Succeeded', outcome: result.outcome };
      } catch (error) {
        const failure =
          error instanceof StepFailure
            ? error
            : new StepFailure(
                error instanceof ExpressionError ? `${error.message}` : (error as Error).message,
                'Step.SERVICE_FAULT',
              );
        if (run.stopRequested) {
          await writeStep({ ...record, StepStatus: 'Stopped', EndTime: now() });
          return { status: 'Stopped' };
        }
        const delay = this.retryDelay(def, failure.exceptionType, attempt, started);
        if (delay !== undefined && !run.stopRequested) {
          this.ctx.log(
            'pipeline',
            id,
            'progress',
            `step ${def.Name} attempt ${attempt} failed (${failure.exceptionType}); retrying in ${delay} ms`,
          );
          await sleep(delay);
          attempt += 1;
          record.AttemptCount = attempt;
          await writeStep({ ...record });
          continue;
        }
        const reason = failure.message;
        await writeStep({ ...record, StepStatus: 'Failed', EndTime: now(), FailureReason: reason });
        this.ctx.log('pipeline', id, 'progress', `step ${def.Name} failed: ${reason.split('\n')[0]}`);
        return {
          status: 'Failed',
          reason:
            def.Type === 'Fail'
              ? `Step '${def.Name}' failed with message: ${reason}`
              : `Step '${def.Name}' failed: ${reason}`,
        };
      }
    }
  }

  /** Milliseconds to wait before the next attempt, or undefined when no RetryPolicy applies any more. */
  private retryDelay(def: StepDef, exceptionType: string, attempt: number, started: number): number | undefined {
    for (const policy of def.RetryPolicies ?? []) {
      if (!(policy.ExceptionType ?? []).includes(exceptionType)) continue;
      const interval = Number(policy.IntervalSeconds ?? 1) * 1000 * Number(policy.BackoffRate ?? 2) ** (attempt - 1);
      if (policy.MaxAttempts !== undefined && attempt > Number(policy.MaxAttempts)) continue;
      if (
        policy.ExpireAfterMin !== undefined &&
        Date.now() + interval - started > Number(policy.ExpireAfterMin) * 60_000
      )
        continue;
      return interval;
    }
    return undefined;
  }

  private async executeStep(
    id: string,
    executionArn: string,
    pipelineName: string,
    node: StepNode,
    baseScope: EvaluationScope,
    run: RunningExecution,
    attempt: number,
    record: Rec,
  ): Promise<StepResult & { cacheHit?: string }> {
    const def = node.def;
    const name = jobName(def.Name, id, attempt);
    const scope: EvaluationScope = {
      ...baseScope,
      execution: Object.defineProperties(
        { ...baseScope.execution, TrainingJobName: name, ProcessingJobName: name },
        { CurrentDateTime: { enumerable: true, get: () => now() } },
      ),
    };
    const where = `Steps.${def.Name}.Arguments`;

    // StartPipelineExecution already refused other types; this narrows Type to a key of the table.
    if (!isSupportedStepType(def.Type))
      throw new StepFailure(`Step type ${def.Type} is not supported in local mode.`, 'Step.SERVICE_FAULT');
    const action = STEP_ACTIONS[def.Type];
    const invocation = { def, scope, where, name, executionId: id, executionArn, run, record };
    if (!action.evaluatedArguments) return action.run({ ...invocation, args: {} }, this.services);

    const args = (await evaluate(def.Arguments ?? {}, scope, where)) as Rec;
    const cacheKey = def.CacheConfig?.Enabled ? this.cacheKey(pipelineName, def, args) : undefined;
    if (cacheKey) {
      const hit = await this.cache.get(cacheKey);
      const expired =
        hit && def.CacheConfig?.ExpireAfter
          ? Date.now() - new Date(hit.Time).getTime() > parseDuration(def.CacheConfig.ExpireAfter)
          : false;
      if (hit && !expired)
        return { properties: hit.Properties, metadata: hit.Metadata, cacheHit: hit.SourcePipelineExecutionArn };
    }
    const result = await action.run({ ...invocation, args }, this.services);
    if (cacheKey && !result.stopped)
      await this.cache.put(cacheKey, {
        Properties: result.properties,
        Metadata: result.metadata,
        SourcePipelineExecutionArn: executionArn,
        Time: now(),
      });
    return result;
  }

  private cacheKey(pipelineName: string, def: StepDef, args: Rec): string {
    const { TrainingJobName: _t, ProcessingJobName: _p, HyperParameterTuningJobName: _h, ...rest } = args;
    const hash = createHash('sha256')
      .update(
        JSON.stringify(
          canonical({
            Type: def.Type,
            Arguments: rest,
            PropertyFiles: def.PropertyFiles,
            FunctionArn: def.FunctionArn,
            OutputParameters: def.OutputParameters,
          }),
        ),
      )
      .digest('hex');
    return `${pipelineName}/${def.Name}/${hash.slice(0, 32)}`;
  }
}
