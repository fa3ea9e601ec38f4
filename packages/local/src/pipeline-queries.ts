import {
  DescribePipelineDefinitionForExecutionCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineExecutionsCommand,
  ListPipelineParametersForExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import type { CommandTable } from './dispatch.js';
import { metadata } from './errors.js';
import type { PipelineService } from './pipelines.js';
import { revive } from './store.js';
import type { Rec } from './untyped.js';

/** The read-only commands on pipeline executions: their status, steps, definition and parameters. */
export function registerExecutionQueries(table: CommandTable, service: PipelineService): void {
  table.on(DescribePipelineExecutionCommand, async (input) => {
    const e = await service.getExecution(input.PipelineExecutionArn);
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
    const pipeline = await service.getPipeline(input.PipelineName);
    let executions = (await service.executions.list()).filter((e) => e.PipelineArn === pipeline.PipelineArn);
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
    const e = await service.getExecution(input.PipelineExecutionArn);
    const steps = [...((e.Steps ?? []) as Rec[])].sort((a, b) =>
      String(a.StartTime).localeCompare(String(b.StartTime)),
    );
    if ((input.SortOrder ?? 'Descending') === 'Descending') steps.reverse();
    return { $metadata: metadata(200), PipelineExecutionSteps: revive(steps) };
  });
  table.on(DescribePipelineDefinitionForExecutionCommand, async (input) => {
    const e = await service.getExecution(input.PipelineExecutionArn);
    return {
      $metadata: metadata(200),
      PipelineDefinition: e.PipelineDefinition,
      CreationTime: new Date(e.CreationTime),
    };
  });
  table.on(ListPipelineParametersForExecutionCommand, async (input) => {
    const e = await service.getExecution(input.PipelineExecutionArn);
    return {
      $metadata: metadata(200),
      PipelineParameters: Object.entries(e.Parameters as Rec).map(([Name, Value]) => ({
        Name,
        Value: String(Value),
      })),
    };
  });
}
