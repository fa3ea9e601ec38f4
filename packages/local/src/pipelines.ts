import {
  CreatePipelineCommand,
  UpdatePipelineCommand,
  DescribePipelineCommand,
  DeletePipelineCommand,
  ListPipelinesCommand,
  StartPipelineExecutionCommand,
  type StartPipelineExecutionCommandOutput,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionsCommand,
  ListPipelineExecutionStepsCommand,
  StopPipelineExecutionCommand,
  DescribePipelineDefinitionForExecutionCommand,
  ListPipelineParametersForExecutionCommand,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateTransformJobCommand,
  StopTransformJobCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { createHash } from 'node:crypto';
import { ResourceNotFound } from '@aws-sdk/client-sagemaker';
import type { CommandClass, CommandTable } from './dispatch.js';
import type { LocalContext } from './context.js';
import { metadata, validationException } from './errors.js';
import { evaluate, evaluateCondition, ExpressionError, parseDuration, type EvaluationScope } from './expressions.js';
import type { JobRunner } from './jobs.js';
import { now, sortItems } from './listing.js';
import { OWNER, ownerAlive, ResourceStore, revive } from './store.js';
import { sleep } from './fsutil.js';
import type { TransformRunner } from './transform.js';
import {
  buildGraph,
  canonical,
  customJobName,
  executionId,
  jobName,
  resolveParameters,
  type StepDef,
  StepFailure,
  type StepNode,
  type StepState,
  SUPPORTED_STEP_TYPES,
} from './pipeline-graph.js';
import { runTuning } from './tuning.js';
import type { Rec } from './untyped.js';

interface RunningExecution {
  stopRequested: boolean;
  jobs: Set<string>;
  done: Promise<void>;
}

/** Pipelines, their executions and the executor that runs a definition's steps locally. */
export class PipelineService {
  readonly pipelines: ResourceStore<Rec>;
  readonly executions: ResourceStore<Rec>;
  private readonly cache: ResourceStore<Rec>;
  private readonly running = new Map<string, RunningExecution>();
  private call!: (command: CommandClass, input: Rec) => Promise<Rec>;

  constructor(
    private readonly ctx: LocalContext,
    private readonly jobs: JobRunner,
    private readonly transforms: TransformRunner,
  ) {
    this.pipelines = new ResourceStore(ctx.stateDir, 'pipelines');
    this.executions = new ResourceStore(ctx.stateDir, 'pipeline-executions', { ownedWhileRunning: true });
    this.cache = new ResourceStore(ctx.stateDir, 'step-cache');
  }

  /** The full SageMaker command table, so steps create resources exactly as the commands do. */
  bind(table: CommandTable): void {
    this.call = (command, input) => table.call(command, input) as Promise<Rec>;
  }

  async recover(): Promise<void> {
    for (const execution of await this.executions.list()) {
      if (
        (execution.PipelineExecutionStatus === 'Executing' || execution.PipelineExecutionStatus === 'Stopping') &&
        !ownerAlive(execution)
      ) {
        await this.executions.update(execution.Id, (e) => ({
          ...e,
          PipelineExecutionStatus: 'Failed',
          FailureReason: 'Local mode stopped while the execution was running; start a new execution.',
          LastModifiedTime: now(),
          Steps: (e?.Steps ?? []).map((s: Rec) =>
            s.StepStatus === 'Executing' || s.StepStatus === 'Starting'
              ? { ...s, StepStatus: 'Failed', FailureReason: 'Local mode stopped', EndTime: now() }
              : s,
          ),
        }));
      }
    }
  }

  /** Stops a job a step started ("training/<name>", "processing/<name>" or "transform/<name>"). */
  private async stopJob(job: string): Promise<void> {
    const [kind, name] = job.split('/') as ['training' | 'processing' | 'transform', string];
    if (kind === 'transform')
      await this.call(StopTransformJobCommand, { TransformJobName: name }).catch(() => undefined);
    else await this.jobs.stop(kind, name).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const run of this.running.values()) {
      run.stopRequested = true;
      for (const job of run.jobs) await this.stopJob(job);
    }
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** Resolves when the execution has finished. */
  async waitForExecution(executionArn: string): Promise<Rec> {
    const id = this.idFromArn(executionArn);
    await this.running.get(id)?.done;
    return this.getExecution(executionArn);
  }

  private idFromArn(arn: string): string {
    return arn.split('/').pop() as string;
  }

  private async getPipeline(nameOrArn: string | undefined = ''): Promise<Rec> {
    const name = nameOrArn.replace(/^arn:aws:sagemaker:[^:]*:\d*:pipeline\//, '');
    const pipeline =
      (await this.pipelines.get(name)) ??
      (await this.pipelines.list()).find(
        (p) => p.PipelineArn === nameOrArn || String(p.PipelineName).toLowerCase() === name.toLowerCase(),
      );
    if (!pipeline)
      throw new ResourceNotFound({ $metadata: metadata(400), message: `Pipeline '${nameOrArn}' does not exist.` });
    return pipeline;
  }

  private async getExecution(arn: string | undefined = ''): Promise<Rec> {
    const execution = arn ? await this.executions.get(this.idFromArn(arn)) : undefined;
    if (!execution || execution.PipelineExecutionArn !== arn)
      throw new ResourceNotFound({ $metadata: metadata(400), message: `Pipeline execution '${arn}' does not exist.` });
    return execution;
  }

  private async definitionFrom(input: Rec, command: string): Promise<string> {
    if (input.PipelineDefinition && input.PipelineDefinitionS3Location)
      throw validationException(`${command}: give PipelineDefinition or PipelineDefinitionS3Location, not both.`);
    if (input.PipelineDefinitionS3Location) {
      const { Bucket, ObjectKey } = input.PipelineDefinitionS3Location;
      return (await this.ctx.s3.read(Bucket, ObjectKey)).toString('utf8');
    }
    if (typeof input.PipelineDefinition !== 'string')
      throw validationException(`${command}: PipelineDefinition (a JSON string) is required.`);
    return input.PipelineDefinition;
  }

  register(table: CommandTable): void {
    table.on(CreatePipelineCommand, async (input) => {
      const name = input.PipelineName as string;
      if (!name || !/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$/.test(name))
        throw validationException(
          `CreatePipeline: PipelineName "${name ?? ''}" must match ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$.`,
        );
      const definition = await this.definitionFrom(input, 'CreatePipeline');
      buildGraph(definition);
      const arn = this.ctx.arn('pipeline', name);
      const time = now();
      const existing = await this.pipelines.get(name);
      if (existing) {
        if (input.ClientRequestToken && existing.ClientRequestToken === input.ClientRequestToken)
          return { $metadata: metadata(200), PipelineArn: arn };
        throw validationException(
          `Pipeline names must be unique within an AWS account and region; pipeline ${arn} already exists.`,
        );
      }
      await this.pipelines.put(name, {
        PipelineName: name,
        PipelineArn: arn,
        PipelineDisplayName: input.PipelineDisplayName ?? name,
        PipelineDefinition: definition,
        PipelineDescription: input.PipelineDescription,
        RoleArn: input.RoleArn,
        PipelineStatus: 'Active',
        CreationTime: time,
        LastModifiedTime: time,
        ParallelismConfiguration: input.ParallelismConfiguration,
        ClientRequestToken: input.ClientRequestToken,
        PipelineVersionId: 1,
        Tags: input.Tags,
      });
      return { $metadata: metadata(200), PipelineArn: arn };
    });
    table.on(UpdatePipelineCommand, async (input) => {
      const pipeline = await this.getPipeline(input.PipelineName);
      const definition =
        input.PipelineDefinition || input.PipelineDefinitionS3Location
          ? await this.definitionFrom(input, 'UpdatePipeline')
          : undefined;
      if (definition) buildGraph(definition);
      await this.pipelines.update(pipeline.PipelineName, (p) => ({
        ...p,
        ...(definition ? { PipelineDefinition: definition } : {}),
        ...(input.PipelineDisplayName ? { PipelineDisplayName: input.PipelineDisplayName } : {}),
        ...(input.PipelineDescription !== undefined ? { PipelineDescription: input.PipelineDescription } : {}),
        ...(input.RoleArn ? { RoleArn: input.RoleArn } : {}),
        ...(input.ParallelismConfiguration ? { ParallelismConfiguration: input.ParallelismConfiguration } : {}),
        PipelineVersionId: Number(p?.PipelineVersionId ?? 1) + 1,
        LastModifiedTime: now(),
      }));
      return {
        $metadata: metadata(200),
        PipelineArn: pipeline.PipelineArn,
        PipelineVersionId: Number(pipeline.PipelineVersionId ?? 1) + 1,
      };
    });
    table.on(DescribePipelineCommand, async (input) => {
      const { ClientRequestToken: _t, Tags: _tags, ...pipeline } = await this.getPipeline(input.PipelineName);
      return { $metadata: metadata(200), ...revive(pipeline) };
    });
    table.on(DeletePipelineCommand, async (input) => {
      const pipeline = await this.getPipeline(input.PipelineName);
      await this.pipelines.delete(pipeline.PipelineName);
      return { $metadata: metadata(200), PipelineArn: pipeline.PipelineArn };
    });
    table.on(ListPipelinesCommand, async (input) => {
      let pipelines = await this.pipelines.list();
      if (input.PipelineNamePrefix)
        pipelines = pipelines.filter((p) => String(p.PipelineName).startsWith(input.PipelineNamePrefix ?? ''));
      const after = input.CreatedAfter ? new Date(input.CreatedAfter).getTime() : undefined;
      const before = input.CreatedBefore ? new Date(input.CreatedBefore).getTime() : undefined;
      pipelines = pipelines.filter(
        (p) =>
          (after === undefined || new Date(p.CreationTime).getTime() > after) &&
          (before === undefined || new Date(p.CreationTime).getTime() < before),
      );
      const sorted = sortItems(pipelines, input, 'PipelineName');
      return {
        $metadata: metadata(200),
        PipelineSummaries: revive(
          sorted.map((p) => ({
            PipelineArn: p.PipelineArn,
            PipelineName: p.PipelineName,
            PipelineDisplayName: p.PipelineDisplayName,
            PipelineDescription: p.PipelineDescription,
            RoleArn: p.RoleArn,
            CreationTime: p.CreationTime,
            LastModifiedTime: p.LastModifiedTime,
            LastExecutionTime: p.LastExecutionTime,
          })),
        ),
      };
    });
    table.on(StartPipelineExecutionCommand, (input) => this.start(input));
    table.on(DescribePipelineExecutionCommand, async (input) => {
      const e = await this.getExecution(input.PipelineExecutionArn);
      return {
        $metadata: metadata(200),
        ...revive({
          PipelineArn: e.PipelineArn,
          PipelineExecutionArn: e.PipelineExecutionArn,
          PipelineExecutionDisplayName: e.PipelineExecutionDisplayName,
          PipelineExecutionStatus: e.PipelineExecutionStatus,
          PipelineExecutionDescription: e.PipelineExecutionDescription,
          PipelineExperimentConfig: e.PipelineExperimentConfig,
          FailureReason: e.FailureReason,
          CreationTime: e.CreationTime,
          LastModifiedTime: e.LastModifiedTime,
          ParallelismConfiguration: e.ParallelismConfiguration,
          PipelineVersionId: e.PipelineVersionId,
        }),
      };
    });
    table.on(ListPipelineExecutionsCommand, async (input) => {
      const pipeline = await this.getPipeline(input.PipelineName);
      let executions = (await this.executions.list()).filter((e) => e.PipelineArn === pipeline.PipelineArn);
      const after = input.CreatedAfter ? new Date(input.CreatedAfter).getTime() : undefined;
      const before = input.CreatedBefore ? new Date(input.CreatedBefore).getTime() : undefined;
      executions = executions.filter(
        (e) =>
          (after === undefined || new Date(e.CreationTime).getTime() > after) &&
          (before === undefined || new Date(e.CreationTime).getTime() < before),
      );
      executions.sort(
        (a, b) =>
          String(a.CreationTime).localeCompare(String(b.CreationTime)) || String(a.Seq).localeCompare(String(b.Seq)),
      );
      if ((input.SortOrder ?? 'Descending') === 'Descending') executions.reverse();
      const max = Math.min(Number(input.MaxResults ?? 50), 100);
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const page = executions.slice(start, start + max);
      return {
        $metadata: metadata(200),
        PipelineExecutionSummaries: revive(
          page.map((e) => ({
            PipelineExecutionArn: e.PipelineExecutionArn,
            StartTime: e.CreationTime,
            PipelineExecutionStatus: e.PipelineExecutionStatus,
            PipelineExecutionDescription: e.PipelineExecutionDescription,
            PipelineExecutionDisplayName: e.PipelineExecutionDisplayName,
            PipelineExecutionFailureReason: e.FailureReason,
          })),
        ),
        ...(start + max < executions.length ? { NextToken: String(start + max) } : {}),
      };
    });
    table.on(ListPipelineExecutionStepsCommand, async (input) => {
      const e = await this.getExecution(input.PipelineExecutionArn);
      const steps = [...((e.Steps ?? []) as Rec[])].sort((a, b) =>
        String(a.StartTime).localeCompare(String(b.StartTime)),
      );
      if ((input.SortOrder ?? 'Descending') === 'Descending') steps.reverse();
      return { $metadata: metadata(200), PipelineExecutionSteps: revive(steps) };
    });
    table.on(StopPipelineExecutionCommand, async (input) => {
      const e = await this.getExecution(input.PipelineExecutionArn);
      const run = this.running.get(e.Id);
      if (!run || e.PipelineExecutionStatus !== 'Executing')
        throw validationException(
          `Pipeline execution ${e.PipelineExecutionArn} is ${e.PipelineExecutionStatus}; only an Executing execution can be stopped.`,
        );
      run.stopRequested = true;
      await this.executions.update(e.Id, (x) => ({
        ...x,
        PipelineExecutionStatus: 'Stopping',
        LastModifiedTime: now(),
      }));
      for (const job of run.jobs) await this.stopJob(job);
      return { $metadata: metadata(200), PipelineExecutionArn: e.PipelineExecutionArn };
    });
    table.on(DescribePipelineDefinitionForExecutionCommand, async (input) => {
      const e = await this.getExecution(input.PipelineExecutionArn);
      return {
        $metadata: metadata(200),
        PipelineDefinition: e.PipelineDefinition,
        CreationTime: new Date(e.CreationTime),
      };
    });
    table.on(ListPipelineParametersForExecutionCommand, async (input) => {
      const e = await this.getExecution(input.PipelineExecutionArn);
      return {
        $metadata: metadata(200),
        PipelineParameters: Object.entries(e.Parameters as Rec).map(([Name, Value]) => ({
          Name,
          Value: String(Value),
        })),
      };
    });
  }

  private async start(input: Rec): Promise<StartPipelineExecutionCommandOutput> {
    const pipeline = await this.getPipeline(input.PipelineName);
    if (input.SelectiveExecutionConfig)
      throw validationException(
        'StartPipelineExecution: SelectiveExecutionConfig is not supported in local mode; start a full execution.',
      );
    if (input.ClientRequestToken) {
      const same = (await this.executions.list()).find(
        (e) => e.PipelineArn === pipeline.PipelineArn && e.ClientRequestToken === input.ClientRequestToken,
      );
      if (same) return { $metadata: metadata(200), PipelineExecutionArn: same.PipelineExecutionArn };
    }
    const { definition, nodes } = buildGraph(pipeline.PipelineDefinition);
    for (const node of nodes.values()) {
      if (!SUPPORTED_STEP_TYPES.includes(node.def.Type)) {
        throw validationException(
          `Step type ${node.def.Type} (step "${node.def.Name}") is not supported in local mode. Supported step types: ${SUPPORTED_STEP_TYPES.join(', ')}.`,
        );
      }
    }
    const parameters = resolveParameters(definition, input.PipelineParameters);
    const id = executionId();
    const arn = `${pipeline.PipelineArn}/execution/${id}`;
    const time = now();
    const parallelism = Number(
      input.ParallelismConfiguration?.MaxParallelExecutionSteps ??
        pipeline.ParallelismConfiguration?.MaxParallelExecutionSteps ??
        this.ctx.defaultParallelism,
    );
    const experiment =
      definition.PipelineExperimentConfig === undefined
        ? { ExperimentName: { Get: 'Execution.PipelineName' }, TrialName: { Get: 'Execution.PipelineExecutionId' } }
        : definition.PipelineExperimentConfig;
    const execution = {
      [OWNER]: process.pid,
      Id: id,
      Seq: `${Date.now()}-${process.hrtime.bigint()}`,
      PipelineArn: pipeline.PipelineArn,
      PipelineName: pipeline.PipelineName,
      PipelineExecutionArn: arn,
      PipelineExecutionDisplayName: input.PipelineExecutionDisplayName ?? `execution-${Date.now()}`,
      PipelineExecutionDescription: input.PipelineExecutionDescription,
      PipelineExecutionStatus: 'Executing',
      PipelineDefinition: pipeline.PipelineDefinition,
      PipelineVersionId: pipeline.PipelineVersionId,
      Parameters: parameters,
      ParallelismConfiguration: { MaxParallelExecutionSteps: parallelism },
      ClientRequestToken: input.ClientRequestToken,
      CreationTime: time,
      LastModifiedTime: time,
      Steps: [] as Rec[],
    };
    const scope: EvaluationScope = {
      parameters,
      execution: {
        PipelineName: pipeline.PipelineName,
        PipelineArn: pipeline.PipelineArn,
        PipelineExecutionId: id,
        PipelineExecutionArn: arn,
        StartDateTime: time,
      },
      experimentConfig: experiment,
      stepProperties: new Map(),
      propertyFiles: new Map(),
      s3: this.ctx.s3,
    };
    Object.defineProperty(scope.execution, 'CurrentDateTime', { enumerable: true, get: () => now() });
    if (experiment) {
      (execution as Rec).PipelineExperimentConfig = {
        ExperimentName: String(
          await evaluate(experiment.ExperimentName, scope, 'PipelineExperimentConfig.ExperimentName'),
        ),
        TrialName: String(await evaluate(experiment.TrialName, scope, 'PipelineExperimentConfig.TrialName')),
      };
    }
    await this.executions.put(id, execution);
    await this.pipelines.update(pipeline.PipelineName, (p) => ({ ...p, LastExecutionTime: time, LastRunTime: time }));
    const run: RunningExecution = { stopRequested: false, jobs: new Set(), done: Promise.resolve() };
    run.done = this.execute(id, arn, pipeline.PipelineName, nodes, scope, parallelism, run).finally(() => {
      this.running.delete(id);
      this.executions.release(id);
    });
    this.running.set(id, run);
    this.ctx.log('pipeline', id, 'progress', `execution ${arn} started`);
    return { $metadata: metadata(200), PipelineExecutionArn: arn };
  }

  private async execute(
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
  ): Promise<{ properties: Rec; metadata: Rec; outcome?: boolean; cacheHit?: string; stopped?: boolean }> {
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

    if (def.Type === 'Condition') {
      let outcome = true;
      for (const [i, condition] of ((def.Arguments?.Conditions ?? []) as Rec[]).entries()) {
        if (!(await evaluateCondition(condition, scope, `${where}.Conditions[${i}]`))) {
          outcome = false;
          break;
        }
      }
      return {
        properties: { Outcome: outcome },
        metadata: { Condition: { Outcome: outcome ? 'True' : 'False' } },
        outcome,
      };
    }
    if (def.Type === 'Fail') {
      const message =
        def.Arguments?.ErrorMessage === undefined
          ? ''
          : String(await evaluate(def.Arguments.ErrorMessage, scope, `${where}.ErrorMessage`));
      record.Metadata = { Fail: { ErrorMessage: message } };
      throw new StepFailure(message, 'Fail');
    }

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
    const result = await this.executeAction(def, args, name, run, id, executionArn);
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

  private async runJob(
    kind: 'training' | 'processing',
    args: Rec,
    name: string,
    run: RunningExecution,
  ): Promise<{ properties: Rec; stopped: boolean }> {
    const key = `${kind}/${name}`;
    run.jobs.add(key);
    try {
      if (kind === 'training') await this.jobs.createTraining({ ...args, TrainingJobName: name });
      else await this.jobs.createProcessing({ ...args, ProcessingJobName: name });
      // A stop (StopPipelineExecution or close()) that came while the job was being created could not find it yet.
      if (run.stopRequested) await this.jobs.stop(kind, name).catch(() => undefined);
      const record = await this.jobs.wait(kind, name);
      const status = kind === 'training' ? record.TrainingJobStatus : record.ProcessingJobStatus;
      if (status === 'Stopped') return { properties: record, stopped: true };
      if (status !== 'Completed') {
        const reason = String(record.FailureReason ?? `${kind} job ${name} ended ${status}`);
        // A script's own error is not retried (as on AWS); a crash of the local process is an internal error.
        const internal = /signal SIGKILL|signal SIGSEGV|cannot start/.test(reason);
        throw new StepFailure(reason, internal ? 'SageMaker.JOB_INTERNAL_ERROR' : 'SageMaker.ALGORITHM_ERROR');
      }
      return { properties: record, stopped: false };
    } finally {
      run.jobs.delete(key);
    }
  }

  private async executeAction(
    def: StepDef,
    args: Rec,
    name: string,
    run: RunningExecution,
    id: string,
    executionArn: string,
  ): Promise<{ properties: Rec; metadata: Rec; stopped?: boolean }> {
    switch (def.Type) {
      case 'Processing': {
        const jobName = customJobName(args, 'ProcessingJobName', name, id);
        const { properties, stopped } = await this.runJob('processing', args, jobName, run);
        return { properties, metadata: { ProcessingJob: { Arn: properties.ProcessingJobArn } }, stopped };
      }
      case 'Training': {
        const jobName = customJobName(args, 'TrainingJobName', name, id);
        const { properties, stopped } = await this.runJob('training', args, jobName, run);
        return { properties, metadata: { TrainingJob: { Arn: properties.TrainingJobArn } }, stopped };
      }
      case 'Tuning': {
        const properties = await runTuning(
          args,
          name,
          (jobArgs, jobName) => this.runJob('training', jobArgs, jobName, run).then((r) => r.properties),
          this.ctx,
        );
        return { properties, metadata: { TuningJob: { Arn: properties.HyperParameterTuningJobArn } } };
      }
      case 'Transform': {
        const jobName = customJobName(args, 'TransformJobName', name, id);
        const key = `transform/${jobName}`;
        run.jobs.add(key);
        try {
          await this.call(CreateTransformJobCommand, { ...args, TransformJobName: jobName });
          if (run.stopRequested) await this.stopJob(key);
          const properties = revive(await this.transforms.wait(jobName)) as Rec;
          delete properties[OWNER];
          if (properties.TransformJobStatus === 'Stopped')
            return { properties, metadata: { TransformJob: { Arn: properties.TransformJobArn } }, stopped: true };
          if (properties.TransformJobStatus !== 'Completed')
            throw new StepFailure(String(properties.FailureReason), 'SageMaker.ALGORITHM_ERROR');
          return {
            properties: JSON.parse(JSON.stringify(properties)),
            metadata: { TransformJob: { Arn: properties.TransformJobArn } },
          };
        } finally {
          run.jobs.delete(key);
        }
      }
      case 'Model': {
        const modelName = args.ModelName ?? name;
        await this.call(CreateModelCommand, { ...args, ModelName: modelName });
        const properties = await this.call(DescribeModelCommand, { ModelName: modelName });
        delete properties.$metadata;
        return {
          properties: JSON.parse(JSON.stringify(properties)),
          metadata: { Model: { Arn: properties.ModelArn } },
        };
      }
      case 'RegisterModel': {
        // As SageMaker Pipelines does (the SDK's examples never create the group): a RegisterModel step into a
        // model package group that does not exist creates it. CreateModelPackage called directly still refuses.
        const group = args.ModelPackageGroupName;
        if (typeof group === 'string' && !group.startsWith('arn:')) {
          const exists = await this.call(DescribeModelPackageGroupCommand, { ModelPackageGroupName: group }).then(
            () => true,
            () => false,
          );
          if (!exists)
            await this.call(CreateModelPackageGroupCommand, { ModelPackageGroupName: group }).catch(() => undefined);
        }
        const created = await this.call(CreateModelPackageCommand, args);
        const properties = await this.call(DescribeModelPackageCommand, { ModelPackageName: created.ModelPackageArn });
        delete properties.$metadata;
        return {
          properties: JSON.parse(JSON.stringify(properties)),
          metadata: { RegisterModel: { Arn: created.ModelPackageArn } },
        };
      }
      case 'EndpointConfig': {
        const configName = args.EndpointConfigName ?? name;
        await this.call(CreateEndpointConfigCommand, { ...args, EndpointConfigName: configName });
        const properties = await this.call(DescribeEndpointConfigCommand, { EndpointConfigName: configName });
        delete properties.$metadata;
        return {
          properties: JSON.parse(JSON.stringify(properties)),
          metadata: { EndpointConfig: { Arn: properties.EndpointConfigArn } },
        };
      }
      case 'Endpoint': {
        const endpointName = args.EndpointName as string;
        const exists = await this.call(DescribeEndpointCommand, { EndpointName: endpointName }).then(
          () => true,
          () => false,
        );
        await this.call(exists ? UpdateEndpointCommand : CreateEndpointCommand, args);
        for (;;) {
          const described = await this.call(DescribeEndpointCommand, { EndpointName: endpointName });
          if (described.EndpointStatus === 'Failed')
            throw new StepFailure(`Endpoint ${endpointName} failed: ${described.FailureReason}`, 'Step.SERVICE_FAULT');
          if (described.EndpointStatus === 'InService') {
            if (exists && described.EndpointConfigName !== args.EndpointConfigName)
              throw new StepFailure(
                `UpdateEndpoint ${endpointName} failed: ${described.FailureReason}`,
                'Step.SERVICE_FAULT',
              );
            delete described.$metadata;
            return {
              properties: JSON.parse(JSON.stringify(described)),
              metadata: { Endpoint: { Arn: described.EndpointArn } },
            };
          }
          if (run.stopRequested) return { properties: {}, metadata: {}, stopped: true };
          await sleep(100);
        }
      }
      case 'Lambda':
        return this.runLambda(def, args, id, executionArn);
      default:
        throw new StepFailure(`Step type ${def.Type} is not supported in local mode.`, 'Step.SERVICE_FAULT');
    }
  }

  private async runLambda(
    def: StepDef,
    args: Rec,
    _id: string,
    _executionArn: string,
  ): Promise<{ properties: Rec; metadata: Rec }> {
    const arn = String(def.FunctionArn ?? '');
    const fnName = /:function:([^:]+)/.exec(arn)?.[1] ?? arn;
    const handler = this.ctx.lambdaHandlers[arn] ?? this.ctx.lambdaHandlers[fnName];
    if (!handler) {
      throw new StepFailure(
        `No local Lambda handler is registered for ${arn}; pass lambdaHandlers: { '${fnName}': async (event) => ({ ... }) } to LocalSageMaker.open.`,
        'Step.SERVICE_FAULT',
      );
    }
    let result: unknown;
    try {
      result = await handler(args);
    } catch (error) {
      const throttled = /Throttl|TooManyRequests/.test(String((error as Error)?.name ?? ''));
      throw new StepFailure(
        `Lambda ${fnName} failed: ${(error as Error)?.message ?? String(error)}`,
        throttled ? 'Step.THROTTLING' : 'Step.SERVICE_FAULT',
      );
    }
    const output = (result && typeof result === 'object' ? result : {}) as Rec;
    const values: Rec = {};
    for (const param of def.OutputParameters ?? []) {
      const value = output[param.OutputName];
      if (value === undefined)
        throw new StepFailure(
          `Lambda ${fnName} returned no output "${param.OutputName}" (declared in OutputParameters).`,
          'Step.SERVICE_FAULT',
        );
      const type = param.OutputType ?? 'String';
      const ok =
        type === 'String'
          ? typeof value === 'string'
          : type === 'Integer'
            ? Number.isInteger(value)
            : type === 'Float'
              ? typeof value === 'number'
              : type === 'Boolean'
                ? typeof value === 'boolean'
                : true;
      if (!ok)
        throw new StepFailure(
          `Lambda ${fnName} output "${param.OutputName}" must be ${type}; got ${JSON.stringify(value)}.`,
          'Step.SERVICE_FAULT',
        );
      values[param.OutputName] = value;
    }
    return {
      properties: { OutputParameters: values },
      metadata: {
        Lambda: {
          Arn: arn,
          OutputParameters: Object.entries(values).map(([Name, Value]) => ({ Name, Value: String(Value) })),
        },
      },
    };
  }
}
