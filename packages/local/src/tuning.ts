import { createHash } from 'node:crypto';
import type { LocalContext } from './context.js';
import type { Rec } from './untyped.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cartesian(lists: [string, string[]][]): Record<string, string>[] {
  return lists.reduce<Record<string, string>[]>(
    (acc, [name, values]) => acc.flatMap((combo) => values.map((v) => ({ ...combo, [name]: v }))),
    [{}],
  );
}

/** The hyperparameter sets a tuning job tries: the grid for Grid, seeded random samples otherwise. */
export function candidates(config: Rec, name: string): Record<string, string>[] {
  const ranges = config.ParameterRanges ?? {};
  const integers = (ranges.IntegerParameterRanges ?? []) as Rec[];
  const continuous = (ranges.ContinuousParameterRanges ?? []) as Rec[];
  const categorical = (ranges.CategoricalParameterRanges ?? []) as Rec[];
  const max = Number(config.ResourceLimits?.MaxNumberOfTrainingJobs ?? 0);
  if (config.Strategy === 'Grid') {
    if (continuous.length > 0)
      throw new Error(
        'Grid tuning supports categorical and integer ranges only; ContinuousParameterRanges need the Random or Bayesian strategy.',
      );
    const lists: [string, string[]][] = [
      ...categorical.map((r) => [r.Name, r.Values.map(String)] as [string, string[]]),
      ...integers.map(
        (r) =>
          [
            r.Name,
            Array.from({ length: Number(r.MaxValue) - Number(r.MinValue) + 1 }, (_, i) =>
              String(Number(r.MinValue) + i),
            ),
          ] as [string, string[]],
      ),
    ];
    const all = cartesian(lists);
    return max > 0 ? all.slice(0, max) : all;
  }
  const seed = Number(
    config.RandomSeed ?? Number.parseInt(createHash('sha1').update(name).digest('hex').slice(0, 8), 16),
  );
  const random = rng(seed);
  const sample = (min: number, maxValue: number, scaling: string | undefined) => {
    if (scaling === 'Logarithmic' && min > 0)
      return Math.exp(Math.log(min) + random() * (Math.log(maxValue) - Math.log(min)));
    if (scaling === 'ReverseLogarithmic' && maxValue < 1)
      return 1 - Math.exp(Math.log(1 - maxValue) + random() * (Math.log(1 - min) - Math.log(1 - maxValue)));
    return min + random() * (maxValue - min);
  };
  return Array.from({ length: Math.max(1, max || 10) }, () => {
    const set: Record<string, string> = {};
    for (const r of integers)
      set[r.Name] = String(
        Math.min(Number(r.MaxValue), Math.round(sample(Number(r.MinValue), Number(r.MaxValue), r.ScalingType))),
      );
    for (const r of continuous)
      set[r.Name] = String(Number(sample(Number(r.MinValue), Number(r.MaxValue), r.ScalingType).toPrecision(6)));
    for (const r of categorical) set[r.Name] = String(r.Values[Math.floor(random() * r.Values.length)]);
    return set;
  });
}

/**
 * A tuning step run as sequential training jobs over the search space; the properties mirror
 * DescribeHyperParameterTuningJob plus TrainingJobSummaries (best first, as the Python SDK's
 * get_top_model_s3_uri expects).
 */
export async function runTuning(
  args: Rec,
  stepJobName: string,
  runTraining: (args: Rec, name: string) => Promise<Rec>,
  ctx: LocalContext,
): Promise<Rec> {
  const config = args.HyperParameterTuningJobConfig as Rec;
  const definition = (args.TrainingJobDefinition ?? args.TrainingJobDefinitions?.[0]) as Rec | undefined;
  if (!config || !definition)
    throw new Error('Tuning step arguments need HyperParameterTuningJobConfig and TrainingJobDefinition.');
  const objective = config.HyperParameterTuningJobObjective as Rec | undefined;
  if (!objective?.MetricName)
    throw new Error(
      'Tuning step: HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName is required.',
    );
  const tuningName = `${stepJobName.slice(0, 19).replace(/-$/, '')}-${createHash('sha1').update(stepJobName).digest('hex').slice(0, 12)}`;
  const arn = ctx.arn('hyper-parameter-tuning-job', tuningName);
  const created = new Date().toISOString();
  const summaries: Rec[] = [];
  const sets = candidates(config, tuningName);
  for (const [i, tuned] of sets.entries()) {
    const name = `${tuningName}-${String(i + 1).padStart(3, '0')}-${createHash('sha1').update(`${tuningName}${i}`).digest('hex').slice(0, 8)}`;
    const jobArgs = {
      RoleArn: definition.RoleArn,
      AlgorithmSpecification: {
        ...definition.AlgorithmSpecification,
        MetricDefinitions: definition.AlgorithmSpecification?.MetricDefinitions ?? [],
      },
      HyperParameters: { ...(definition.StaticHyperParameters ?? {}), ...tuned },
      InputDataConfig: definition.InputDataConfig,
      OutputDataConfig: definition.OutputDataConfig,
      ResourceConfig: definition.ResourceConfig ?? { InstanceCount: 1, InstanceType: 'local', VolumeSizeInGB: 1 },
      StoppingCondition: definition.StoppingCondition,
      Environment: definition.Environment,
    };
    let record: Rec;
    try {
      record = await runTraining(jobArgs, name);
    } catch (error) {
      summaries.push({
        TrainingJobName: name,
        TrainingJobArn: ctx.arn('training-job', name),
        TrainingJobStatus: 'Failed',
        TunedHyperParameters: tuned,
        FailureReason: (error as Error).message,
        ObjectiveStatus: 'Failed',
        CreationTime: new Date().toISOString(),
      });
      continue;
    }
    const metric = ((record.FinalMetricDataList ?? []) as Rec[]).find((m) => m.MetricName === objective.MetricName);
    summaries.push({
      TrainingJobName: name,
      TrainingJobArn: record.TrainingJobArn,
      TrainingJobStatus: record.TrainingJobStatus,
      TunedHyperParameters: tuned,
      CreationTime: record.CreationTime,
      TrainingStartTime: record.TrainingStartTime,
      TrainingEndTime: record.TrainingEndTime,
      ObjectiveStatus: metric ? 'Succeeded' : 'Failed',
      ...(metric
        ? {
            FinalHyperParameterTuningJobObjectiveMetric: {
              Type: objective.Type,
              MetricName: objective.MetricName,
              Value: metric.Value,
            },
          }
        : {
            FailureReason: `The training job did not emit the objective metric ${objective.MetricName} (check MetricDefinitions).`,
          }),
    });
  }
  const scored = summaries.filter((s) => s.FinalHyperParameterTuningJobObjectiveMetric);
  if (scored.length === 0) {
    throw new Error(
      `All ${summaries.length} training jobs of tuning job ${tuningName} failed or reported no ${objective.MetricName}: ${summaries[0]?.FailureReason ?? 'no jobs ran'}`,
    );
  }
  const sign = objective.Type === 'Minimize' ? 1 : -1;
  const value = (s: Rec) => Number(s.FinalHyperParameterTuningJobObjectiveMetric?.Value ?? Number.NaN);
  const ordered = [
    ...scored.sort((a, b) => sign * (value(a) - value(b))),
    ...summaries.filter((s) => !s.FinalHyperParameterTuningJobObjectiveMetric),
  ];
  const completed = summaries.filter((s) => s.TrainingJobStatus === 'Completed').length;
  return {
    HyperParameterTuningJobName: tuningName,
    HyperParameterTuningJobArn: arn,
    HyperParameterTuningJobConfig: config,
    TrainingJobDefinition: definition,
    HyperParameterTuningJobStatus: 'Completed',
    CreationTime: created,
    HyperParameterTuningEndTime: new Date().toISOString(),
    LastModifiedTime: new Date().toISOString(),
    TrainingJobStatusCounters: {
      Completed: completed,
      InProgress: 0,
      RetryableError: 0,
      NonRetryableError: summaries.length - completed,
      Stopped: 0,
    },
    ObjectiveStatusCounters: { Succeeded: scored.length, Pending: 0, Failed: summaries.length - scored.length },
    BestTrainingJob: ordered[0],
    TrainingJobSummaries: ordered,
  };
}
