import { ModelStep, ParameterInteger, Pipeline, TuningStep } from '../../../src/index.js';
import { BUCKET, IMAGE, ROLE, channel } from './common.js';

export function build(): Pipeline {
  const maxJobs = new ParameterInteger({ name: 'MaxJobs', defaultValue: 6 });
  const tune = new TuningStep({
    name: 'Tune',
    arguments: {
      HyperParameterTuningJobConfig: {
        Strategy: 'Bayesian',
        ResourceLimits: { MaxNumberOfTrainingJobs: maxJobs, MaxParallelTrainingJobs: 2 },
        TrainingJobEarlyStoppingType: 'Off',
        HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:accuracy' },
        ParameterRanges: {
          ContinuousParameterRanges: [{ Name: 'lr', MinValue: '0.0001', MaxValue: '0.01', ScalingType: 'Logarithmic' }],
          CategoricalParameterRanges: [{ Name: 'optimizer', Values: ['sgd', 'adam'] }],
          IntegerParameterRanges: [{ Name: 'batch-size', MinValue: '16', MaxValue: '128', ScalingType: 'Auto' }],
        },
      },
      TrainingJobDefinition: {
        StaticHyperParameters: { epochs: '5' },
        RoleArn: ROLE,
        OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models` },
        StoppingCondition: { MaxRuntimeInSeconds: 86400 },
        HyperParameterTuningResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 },
        AlgorithmSpecification: {
          TrainingInputMode: 'File',
          MetricDefinitions: [{ Name: 'validation:accuracy', Regex: 'val_acc=([0-9.]+)' }],
          TrainingImage: IMAGE,
        },
        InputDataConfig: [channel('train', `s3://${BUCKET}/data/train`)],
      },
    },
  });
  const best = new ModelStep({
    name: 'BestModel-CreateModel',
    arguments: {
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGE, Environment: {}, ModelDataUrl: tune.topModelS3Uri(0, BUCKET, 'models') },
    },
  });
  return new Pipeline({ name: 'Tuning', parameters: [maxJobs], steps: [tune, best] });
}
