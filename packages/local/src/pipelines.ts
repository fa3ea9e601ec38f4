import {
  CreatePipelineCommand,
  UpdatePipelineCommand,
  DescribePipelineCommand,
  DeletePipelineCommand,
  ListPipelinesCommand,
  StartPipelineExecutionCommand,
  type StartPipelineExecutionCommandOutput,
  StopPipelineExecutionCommand,
  StopTransformJobCommand,
  ResourceNotFound,
} from '@aws-sdk/client-sagemaker';
import type { CommandClass, CommandTable } from './dispatch.js';
import type { LocalContext } from './context.js';
import { metadata, validationException } from './errors.js';
import { evaluate, type EvaluationScope } from './expressions.js';
import type { JobRunner } from './jobs.js';
import { now, sortItems } from './listing.js';
import { PipelineExecutor } from './pipeline-executor.js';
import { registerExecutionQueries } from './pipeline-queries.js';
import { buildGraph, executionId, resolveParameters, SUPPORTED_STEP_TYPES } from './pipeline-graph.js';
import type { RunningExecution } from './pipeline-steps/index.js';
import { OWNER, ownerAlive, ResourceStore, revive } from './store.js';
import type { TransformRunner } from './transform.js';
import type { Rec } from './untyped.js';

/** Pipelines, their executions and the executor that runs a definition's steps locally. */
export class PipelineService {
  readonly pipelines: ResourceStore<Rec>;
  readonly executions: ResourceStore<Rec>;
  private readonly executor: PipelineExecutor;
  private readonly running = new Map<string, RunningExecution>();
  private call!: (command: CommandClass, input: Rec) => Promise<Rec>;

  constructor(
    private readonly ctx: LocalContext,
    private readonly jobs: JobRunner,
    transforms: TransformRunner,
  ) {
    this.pipelines = new ResourceStore(ctx.stateDir, 'pipelines');
    this.executions = new ResourceStore(ctx.stateDir, 'pipeline-executions', { ownedWhileRunning: true });
    this.executor = new PipelineExecutor(ctx, this.executions, new ResourceStore(ctx.stateDir, 'step-cache'), {
      ctx,
      jobs,
      transforms,
      call: (command, input) => this.call(command, input),
      stopJob: (job) => this.stopJob(job),
    });
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

  async getPipeline(nameOrArn: string | undefined = ''): Promise<Rec> {
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

  async getExecution(arn: string | undefined = ''): Promise<Rec> {
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
    registerExecutionQueries(table, this);
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
      if (!(SUPPORTED_STEP_TYPES as readonly string[]).includes(node.def.Type)) {
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
    run.done = this.executor.execute(id, arn, pipeline.PipelineName, nodes, scope, parallelism, run).finally(() => {
      this.running.delete(id);
      this.executions.release(id);
    });
    this.running.set(id, run);
    this.ctx.log('pipeline', id, 'progress', `execution ${arn} started`);
    return { $metadata: metadata(200), PipelineExecutionArn: arn };
  }
}
