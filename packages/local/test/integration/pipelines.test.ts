import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateModelPackageGroupCommand,
  CreatePipelineCommand,
  DescribePipelineCommand,
  DescribePipelineExecutionCommand,
  ListModelPackagesCommand,
  ListPipelineExecutionsCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelinesCommand,
  ResourceNotFound,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  UpdateModelPackageCommand,
  UpdatePipelineCommand,
  type PipelineExecutionStep,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSageMaker } from '../../src/index.js';
import {
  processingArguments,
  trainAndRegisterDefinition,
  trainingArguments,
  INFERENCE_IMAGE,
} from './sdk-definitions.js';
import { SCRIPTS_DIR, getText, putSourceDir, putText, tempStateDir, waitFor } from './helpers.js';

const state = tempStateDir('pipelines');
let local: LocalSageMaker;
const lambdaEvents: unknown[] = [];

async function runPipeline(
  name: string,
  definition: unknown,
  parameters: Record<string, string> = {},
  parallelism?: number,
) {
  const body = JSON.stringify(definition);
  const existing = await local.sagemaker
    .send(new DescribePipelineCommand({ PipelineName: name }))
    .catch(() => undefined);
  if (existing) await local.sagemaker.send(new UpdatePipelineCommand({ PipelineName: name, PipelineDefinition: body }));
  else
    await local.sagemaker.send(
      new CreatePipelineCommand({
        PipelineName: name,
        PipelineDefinition: body,
        RoleArn: 'arn:aws:iam::000000000000:role/x',
      }),
    );
  const { PipelineExecutionArn } = await local.sagemaker.send(
    new StartPipelineExecutionCommand({
      PipelineName: name,
      PipelineParameters: Object.entries(parameters).map(([Name, Value]) => ({ Name, Value })),
      ...(parallelism ? { ParallelismConfiguration: { MaxParallelExecutionSteps: parallelism } } : {}),
    }),
  );
  const arn = PipelineExecutionArn as string;
  await local.waitForPipelineExecution(arn);
  const execution = await local.sagemaker.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
  const steps =
    (await local.sagemaker.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: arn })))
      .PipelineExecutionSteps ?? [];
  const byName = Object.fromEntries(steps.map((s) => [s.StepName, s])) as Record<string, PipelineExecutionStep>;
  return { arn, execution, steps, byName };
}

beforeAll(async () => {
  local = await LocalSageMaker.open({
    stateDir: state.dir,
    lambdaHandlers: {
      'count-annotations': async (event) => {
        lambdaEvents.push(event);
        return { count: 7, label: `seen-${String(event.prefix)}` };
      },
    },
  });
  await putText(local, 's3://lake/raw/part-1.csv', '1,2\n3,4\n');
  await putText(local, 's3://sm-bucket/code/preprocess.py', readFileSync(join(SCRIPTS_DIR, 'preprocess.py'), 'utf8'));
  await putSourceDir(local, 'sm-bucket', 'code/sourcedir.tar.gz', ['train.py', 'helper.py']);
  await local.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'fashion-classifier' }));
});
afterAll(async () => {
  await local.close();
  state.cleanup();
});

describe('pipeline executor on Python-SDK-shaped definitions', () => {
  it('runs Preprocess -> Train -> Condition -> RegisterModel, then approval', async () => {
    const run = await runPipeline('train-register', trainAndRegisterDefinition());
    expect(run.execution.FailureReason).toBeUndefined();
    expect(run.execution.PipelineExecutionStatus).toBe('Succeeded');
    expect(run.execution.PipelineExperimentConfig).toEqual({
      ExperimentName: 'train-register',
      TrialName: run.arn.split('/').pop(),
    });
    expect(run.steps.map((s) => s.StepName)).toEqual([
      'RegisterModel-RegisterModel',
      'CheckAccuracy',
      'Train',
      'Preprocess',
    ]);
    expect(
      run.steps.every((s) => s.StepStatus === 'Succeeded' && s.StartTime instanceof Date && s.EndTime instanceof Date),
    ).toBe(true);
    expect(run.byName.CheckAccuracy?.Metadata?.Condition?.Outcome).toBe('True');
    expect(run.byName.Preprocess?.Metadata?.ProcessingJob?.Arn).toMatch(/:processing-job\/preprocess-/);
    expect(run.byName.Train?.Metadata?.TrainingJob?.Arn).toMatch(/:training-job\/train-/);
    const packageArn = run.byName['RegisterModel-RegisterModel']?.Metadata?.RegisterModel?.Arn as string;
    expect(packageArn).toMatch(/model-package\/fashion-classifier\/1$/);

    const pending = await local.sagemaker.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: 'fashion-classifier',
        ModelApprovalStatus: 'PendingManualApproval',
      }),
    );
    expect(pending.ModelPackageSummaryList).toHaveLength(1);
    await local.sagemaker.send(
      new UpdateModelPackageCommand({ ModelPackageArn: packageArn, ModelApprovalStatus: 'Approved' }),
    );
    const approved = await local.sagemaker.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: 'fashion-classifier', ModelApprovalStatus: 'Approved' }),
    );
    expect(approved.ModelPackageSummaryList?.[0]?.ModelPackageArn).toBe(packageArn);

    expect(await getText(local, 's3://sm-bucket/train-register/Preprocess/train/data.csv')).toBe('1,2\n3,4\n');
  });

  it('takes the else branch into Fail on a second run, reusing the cached Preprocess step', async () => {
    const first = (await local.sagemaker.send(new ListPipelineExecutionsCommand({ PipelineName: 'train-register' })))
      .PipelineExecutionSummaries?.[0];
    const run = await runPipeline('train-register', trainAndRegisterDefinition(), { AccuracyThreshold: '0.9' });
    expect(run.execution.PipelineExecutionStatus).toBe('Failed');
    expect(run.execution.FailureReason).toBe("Step 'AccuracyTooLow' failed with message: Accuracy 0.75 is below 0.9");
    expect(run.byName.AccuracyTooLow).toMatchObject({
      StepStatus: 'Failed',
      FailureReason: 'Accuracy 0.75 is below 0.9',
      Metadata: { Fail: { ErrorMessage: 'Accuracy 0.75 is below 0.9' } },
    });
    expect(run.byName.CheckAccuracy?.Metadata?.Condition?.Outcome).toBe('False');
    expect(run.byName['RegisterModel-RegisterModel']).toBeUndefined();
    expect(run.byName.Preprocess?.CacheHitResult?.SourcePipelineExecutionArn).toBe(first?.PipelineExecutionArn);
    expect(run.byName.Train?.CacheHitResult).toBeUndefined();
    const executions = await local.sagemaker.send(
      new ListPipelineExecutionsCommand({ PipelineName: 'train-register' }),
    );
    expect(executions.PipelineExecutionSummaries?.map((e) => e.PipelineExecutionStatus)).toEqual([
      'Failed',
      'Succeeded',
    ]);
  });

  it('validates parameters and unsupported step types at start', async () => {
    await expect(
      local.sagemaker.send(
        new StartPipelineExecutionCommand({
          PipelineName: 'train-register',
          PipelineParameters: [{ Name: 'Epochs', Value: 'three' }],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("Parameter 'Epochs' must be an Integer"),
    });
    await expect(
      local.sagemaker.send(
        new StartPipelineExecutionCommand({
          PipelineName: 'train-register',
          PipelineParameters: [{ Name: 'Nope', Value: '1' }],
        }),
      ),
    ).rejects.toMatchObject({ message: expect.stringContaining("Unknown parameter 'Nope'") });
    await expect(
      local.sagemaker.send(new StartPipelineExecutionCommand({ PipelineName: 'missing' })),
    ).rejects.toBeInstanceOf(ResourceNotFound);
    const transform = { Version: '2020-12-01', Steps: [{ Name: 'Batch', Type: 'Callback', Arguments: {} }] };
    await local.sagemaker.send(
      new CreatePipelineCommand({
        PipelineName: 'with-transform',
        PipelineDefinition: JSON.stringify(transform),
        RoleArn: 'r',
      }),
    );
    await expect(
      local.sagemaker.send(new StartPipelineExecutionCommand({ PipelineName: 'with-transform' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Step type Callback (step "Batch") is not supported in local mode'),
    });
    await expect(
      local.sagemaker.send(
        new CreatePipelineCommand({
          PipelineName: 'bad',
          PipelineDefinition: JSON.stringify({
            Steps: [{ Name: 'A', Type: 'Fail', Arguments: { ErrorMessage: { Get: 'Steps.B.Outcome' } } }],
          }),
          RoleArn: 'r',
        }),
      ),
    ).rejects.toMatchObject({ message: expect.stringContaining('depends on "B", which is not a step') });
    const pipelines = await local.sagemaker.send(new ListPipelinesCommand({}));
    expect(pipelines.PipelineSummaries?.map((p) => p.PipelineName).sort()).toEqual([
      'train-register',
      'with-transform',
    ]);
  });

  it('runs independent steps in parallel up to the parallelism setting', async () => {
    // The steps sleep on purpose: steps that take a while are what the overlap check measures.
    const sleeper = (name: string, seconds: number, deps: string[] = []) => ({
      Name: name,
      Type: 'Processing',
      ...(deps.length ? { DependsOn: deps } : {}),
      Arguments: {
        ...processingArguments([], { withData: false }),
        AppSpecification: {
          ImageUri: 'img',
          ContainerEntrypoint: ['python3', '-c', `import time; time.sleep(${seconds})`],
        },
        ProcessingOutputConfig: { Outputs: [] },
      },
    });
    const definition = {
      Version: '2020-12-01',
      Metadata: {},
      Parameters: [],
      PipelineExperimentConfig: null,
      Steps: [sleeper('A', 1), sleeper('B', 1), sleeper('C', 1), sleeper('Join', 0, ['A', 'B', 'C'])],
    };
    const run = await runPipeline('parallel', definition, {}, 2);
    expect(run.execution.PipelineExecutionStatus).toBe('Succeeded');
    const span = (n: string) =>
      [run.byName[n]?.StartTime?.getTime() ?? 0, run.byName[n]?.EndTime?.getTime() ?? 0] as const;
    const overlaps = (x: string, y: string) => span(x)[0] < span(y)[1] && span(y)[0] < span(x)[1];
    const pairs = [
      ['A', 'B'],
      ['A', 'C'],
      ['B', 'C'],
    ].filter(([x, y]) => overlaps(x as string, y as string));
    expect(pairs.length).toBeGreaterThan(0); // independent steps ran side by side...
    const runningAt = (t: number) => ['A', 'B', 'C'].filter((n) => span(n)[0] <= t && t < span(n)[1]).length;
    expect(Math.max(...['A', 'B', 'C'].map((n) => runningAt(span(n)[0])))).toBe(2); // ...but never more than 2
    expect(span('Join')[0]).toBeGreaterThanOrEqual(Math.max(span('A')[1], span('B')[1], span('C')[1]));
  });

  it('retries a crashed job per RetryPolicies and surfaces a script failure with its log tail', async () => {
    const counter = join(state.dir, 'crash-counter');
    const crash = `import os, signal, sys\nn = int(open('${counter}').read()) if os.path.exists('${counter}') else 0\nopen('${counter}', 'w').write(str(n + 1))\nprint('attempt', n + 1, flush=True)\nif n < 2: os.kill(os.getpid(), signal.SIGKILL)`;
    const step = (name: string, code: string, retry: boolean) => ({
      Name: name,
      Type: 'Processing',
      Arguments: {
        ...processingArguments([], { withData: false }),
        AppSpecification: { ImageUri: 'img', ContainerEntrypoint: ['python3', '-c', code] },
        ProcessingOutputConfig: { Outputs: [] },
      },
      ...(retry
        ? {
            RetryPolicies: [
              {
                ExceptionType: ['SageMaker.JOB_INTERNAL_ERROR', 'SageMaker.CAPACITY_ERROR'],
                IntervalSeconds: 1,
                BackoffRate: 1.0,
                MaxAttempts: 3,
              },
            ],
          }
        : {}),
    });
    const ok = await runPipeline('retries', { Version: '2020-12-01', Steps: [step('Flaky', crash, true)] });
    expect(ok.execution.PipelineExecutionStatus).toBe('Succeeded');
    expect(ok.byName.Flaky?.AttemptCount).toBe(3);

    const failing = await runPipeline('job-fails', {
      Version: '2020-12-01',
      Steps: [step('Broken', "import sys\nprint('loading data')\nraise ValueError('column label is missing')", true)],
    });
    expect(failing.execution.PipelineExecutionStatus).toBe('Failed');
    expect(failing.byName.Broken?.AttemptCount).toBe(1); // a script error is not retried, as on AWS
    expect(failing.byName.Broken?.FailureReason).toContain('ExitCode 1');
    expect(failing.byName.Broken?.FailureReason).toContain('ValueError: column label is missing');
    expect(failing.byName.Broken?.FailureReason).toContain('loading data');
    expect(failing.execution.FailureReason).toContain("Step 'Broken' failed");
  });

  it('runs Lambda steps through registered handlers and uses OutputParameters', async () => {
    const definition = {
      Version: '2020-12-01',
      Parameters: [{ Name: 'Threshold', Type: 'Integer', DefaultValue: 5 }],
      Steps: [
        {
          Name: 'Count',
          Type: 'Lambda',
          Arguments: { prefix: 'annotated/' },
          FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:count-annotations',
          OutputParameters: [
            { OutputName: 'count', OutputType: 'Integer' },
            { OutputName: 'label', OutputType: 'String' },
          ],
        },
        {
          Name: 'Enough',
          Type: 'Condition',
          Arguments: {
            Conditions: [
              {
                Type: 'GreaterThan',
                LeftValue: { Get: "Steps.Count.OutputParameters['count']" },
                RightValue: { Get: 'Parameters.Threshold' },
              },
            ],
            IfSteps: [],
            ElseSteps: [
              {
                Name: 'TooFew',
                Type: 'Fail',
                Arguments: { ErrorMessage: { Get: "Steps.Count.OutputParameters['label']" } },
              },
            ],
          },
        },
      ],
    };
    const yes = await runPipeline('lambda', definition);
    expect(yes.execution.PipelineExecutionStatus).toBe('Succeeded');
    expect(lambdaEvents).toEqual([{ prefix: 'annotated/' }]);
    expect(yes.byName.Count?.Metadata?.Lambda?.OutputParameters).toEqual([
      { Name: 'count', Value: '7' },
      { Name: 'label', Value: 'seen-annotated/' },
    ]);
    const no = await runPipeline('lambda', definition, { Threshold: '10' });
    expect(no.execution.FailureReason).toBe("Step 'TooFew' failed with message: seen-annotated/");
  });

  it('tunes over a grid, creates the best model and serves it from a serverless endpoint', async () => {
    const train = trainingArguments('s3://lake/raw/');
    const definition = {
      Version: '2020-12-01',
      Parameters: [{ Name: 'Epochs', Type: 'Integer', DefaultValue: 2 }],
      Steps: [
        {
          Name: 'Tune',
          Type: 'Tuning',
          Arguments: {
            HyperParameterTuningJobConfig: {
              Strategy: 'Grid',
              ResourceLimits: { MaxNumberOfTrainingJobs: 3, MaxParallelTrainingJobs: 1 },
              TrainingJobEarlyStoppingType: 'Off',
              HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'val:accuracy' },
              ParameterRanges: {
                ContinuousParameterRanges: [],
                CategoricalParameterRanges: [{ Name: 'lr', Values: ['0.05', '0.2', '0.1'] }],
                IntegerParameterRanges: [],
              },
            },
            TrainingJobDefinition: {
              StaticHyperParameters: { ...train.HyperParameters, epochs: '2', lr: undefined },
              RoleArn: train.RoleArn,
              OutputDataConfig: train.OutputDataConfig,
              StoppingCondition: train.StoppingCondition,
              InputDataConfig: train.InputDataConfig,
              ResourceConfig: train.ResourceConfig,
              AlgorithmSpecification: train.AlgorithmSpecification,
            },
          },
        },
        {
          Name: 'BestModel-CreateModel',
          Type: 'Model',
          Arguments: {
            ExecutionRoleArn: 'arn:aws:iam::000000000000:role/x',
            PrimaryContainer: {
              Image: INFERENCE_IMAGE,
              Environment: {},
              ModelDataUrl: {
                'Std:Join': {
                  On: '/',
                  Values: [
                    's3:/',
                    'sm-bucket',
                    'models',
                    { Get: 'Steps.Tune.TrainingJobSummaries[0].TrainingJobName' },
                    'output/model.tar.gz',
                  ],
                },
              },
            },
          },
        },
        {
          Name: 'Config',
          Type: 'EndpointConfig',
          Arguments: {
            EndpointConfigName: 'best-config',
            ProductionVariants: [
              {
                VariantName: 'AllTraffic',
                ModelName: { Get: 'Steps.BestModel-CreateModel.ModelName' },
                ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
              },
            ],
          },
        },
        {
          Name: 'Deploy',
          Type: 'Endpoint',
          Arguments: { EndpointName: 'best-endpoint', EndpointConfigName: { Get: 'Steps.Config.EndpointConfigName' } },
        },
      ],
    };
    const run = await runPipeline('tune-deploy', definition);
    expect(run.execution.FailureReason).toBeUndefined();
    expect(run.execution.PipelineExecutionStatus).toBe('Succeeded');
    expect(run.byName.Tune?.Metadata?.TuningJob?.Arn).toMatch(/hyper-parameter-tuning-job\//);
    const out = await local.runtime.send(
      new InvokeEndpointCommand({ EndpointName: 'best-endpoint', ContentType: 'application/json', Body: '[1,2,3]' }),
    );
    expect(JSON.parse(Buffer.from(out.Body as Uint8Array).toString())).toEqual({ accuracy: 0.9, n: 3 }); // lr 0.2 * 2 epochs + 0.5
  });

  it('stops an execution', async () => {
    const definition = {
      Version: '2020-12-01',
      Steps: [
        {
          Name: 'Long',
          Type: 'Processing',
          Arguments: {
            ...processingArguments([], { withData: false }),
            AppSpecification: {
              ImageUri: 'img',
              ContainerEntrypoint: ['python3', '-c', 'import time; time.sleep(60)'],
            },
            ProcessingOutputConfig: { Outputs: [] },
          },
        },
      ],
    };
    await local.sagemaker.send(
      new CreatePipelineCommand({
        PipelineName: 'stoppable',
        PipelineDefinition: JSON.stringify(definition),
        RoleArn: 'r',
      }),
    );
    const { PipelineExecutionArn } = await local.sagemaker.send(
      new StartPipelineExecutionCommand({ PipelineName: 'stoppable' }),
    );
    // Stop it while its step runs, not before it starts: that is the case the stop has to handle.
    await waitFor('the Long step to be executing', async () => {
      const listed = await local.sagemaker.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn }));
      return listed.PipelineExecutionSteps?.[0]?.StepStatus === 'Executing' ? true : undefined;
    });
    await local.sagemaker.send(new StopPipelineExecutionCommand({ PipelineExecutionArn }));
    const done = await local.waitForPipelineExecution(PipelineExecutionArn as string);
    expect(done.PipelineExecutionStatus).toBe('Stopped');
    const steps = await local.sagemaker.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn }));
    expect(steps.PipelineExecutionSteps?.[0]?.StepStatus).toBe('Stopped');
  });
});
