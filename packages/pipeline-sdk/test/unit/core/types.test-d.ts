// Type tests: step arguments are the AWS Create* request types (values may be expressions of a
// compatible type) and step properties mirror the Describe* responses.
import { describe, expectTypeOf, it } from 'vitest';
import {
  ConditionStep,
  JsonGet,
  LambdaStep,
  type ModelStep,
  ParameterBoolean,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  ProcessingStep,
  type Property,
  TrainingStep,
  type TuningStep,
  equals,
  type PipelineExpression,
  type TrainingStepArguments,
} from '../../../src/index.js';
import { processingArgs, trainingArgs } from './fixtures.js';

const train = new TrainingStep({ name: 'Train', arguments: trainingArgs() });
const pre = new ProcessingStep({
  name: 'Pre',
  arguments: {
    ...processingArgs(),
    ProcessingInputs: [{ InputName: 'code', S3Input: { S3Uri: 's3://b/c', S3DataType: 'S3Prefix', LocalPath: '/c' } }],
    ProcessingOutputConfig: {
      Outputs: [
        { OutputName: 'train', S3Output: { S3Uri: 's3://b/t', LocalPath: '/t', S3UploadMode: 'EndOfJob' } },
        { OutputName: 'test', S3Output: { S3Uri: 's3://b/e', LocalPath: '/e', S3UploadMode: 'EndOfJob' } },
      ],
    },
  },
});

describe('step properties mirror Describe* responses', () => {
  it('types leaves by their AWS type', () => {
    expectTypeOf(train.properties.ModelArtifacts.S3ModelArtifacts).toEqualTypeOf<Property<string>>();
    expectTypeOf(train.properties.ResourceConfig.InstanceCount).toEqualTypeOf<Property<number>>();
    expectTypeOf(train.properties.EnableManagedSpotTraining).toEqualTypeOf<Property<boolean>>();
    expectTypeOf(train.properties.TrainingJobStatus).toEqualTypeOf<Property<string>>();
    expectTypeOf(train.properties.FinalMetricDataList[0].Value).toEqualTypeOf<Property<number>>();
  });

  it('rejects misspelled paths', () => {
    // @ts-expect-error S3ModelArtifact is not a member of ModelArtifacts
    void train.properties.ModelArtifacts.S3ModelArtifact;
    // @ts-expect-error Training jobs have no ProcessingOutputConfig
    void train.properties.ProcessingOutputConfig;
  });

  it('indexes Processing outputs and inputs by their declared names', () => {
    expectTypeOf(pre.properties.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri).toEqualTypeOf<
      Property<string>
    >();
    expectTypeOf(pre.properties.ProcessingOutputConfig.Outputs[1].OutputName).toEqualTypeOf<Property<string>>();
    expectTypeOf(pre.properties.ProcessingInputs['code'].S3Input.S3Uri).toEqualTypeOf<Property<string>>();
    // @ts-expect-error 'tarin' is not one of the step's outputs
    void pre.properties.ProcessingOutputConfig.Outputs['tarin'];
  });

  it('merges tuning summaries into the tuning job properties', () => {
    const tune = {} as TuningStep;
    expectTypeOf(tune.properties.BestTrainingJob.TrainingJobName).toEqualTypeOf<Property<string>>();
    expectTypeOf(tune.properties.TrainingJobSummaries[0].TrainingJobName).toEqualTypeOf<Property<string>>();
  });

  it('types model, condition and lambda properties', () => {
    const model = {} as ModelStep;
    expectTypeOf(model.properties.ModelName).toEqualTypeOf<Property<string>>();
    const cond = new ConditionStep({ name: 'C', conditions: [equals(1, 1)] });
    expectTypeOf(cond.properties.Outcome).toEqualTypeOf<Property<boolean>>();
    const lam = new LambdaStep({
      name: 'L',
      functionArn: 'arn',
      outputs: [{ name: 'count', type: 'Integer' }, { name: 'label' }],
    });
    expectTypeOf(lam.properties.Outputs.count).toEqualTypeOf<Property<number>>();
    expectTypeOf(lam.properties.Outputs.label).toEqualTypeOf<Property<string>>();
    // @ts-expect-error 'missing' is not a declared output
    void lam.properties.Outputs.missing;
  });
});

describe('step arguments are Create* requests with expressions allowed', () => {
  const str = new ParameterString({ name: 'S' });
  const int = new ParameterInteger({ name: 'I' });
  const flt = new ParameterFloat({ name: 'F' });
  const bool = new ParameterBoolean({ name: 'B' });

  it('accepts expressions of a compatible type anywhere', () => {
    const args: TrainingStepArguments = {
      ...trainingArgs(),
      RoleArn: str,
      ResourceConfig: { InstanceType: str, InstanceCount: int, VolumeSizeInGB: 30 },
      EnableManagedSpotTraining: bool,
      HyperParameters: {
        lr: flt.asString(),
        model: str,
        source: pre.properties.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri,
      },
      StoppingCondition: { MaxRuntimeInSeconds: new JsonGet<number>({ step: pre, propertyFile: 'x', jsonPath: 'y' }) },
    };
    expectTypeOf(args.RoleArn).toEqualTypeOf<string | PipelineExpression<string> | undefined>();
  });

  it('rejects expressions and values of the wrong type', () => {
    const base = trainingArgs();
    // @ts-expect-error an Integer parameter is not a string (use .asString())
    const a: TrainingStepArguments = { ...base, RoleArn: int };
    // @ts-expect-error a String parameter is not an instance count
    const b: TrainingStepArguments = { ...base, ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: str } };
    // @ts-expect-error not a TrainingInputMode
    const c: TrainingStepArguments = { ...base, AlgorithmSpecification: { TrainingInputMode: 'Bogus' } };
    // @ts-expect-error hyperparameters are strings
    const d: TrainingStepArguments = { ...base, HyperParameters: { epochs: 10 } };
    // @ts-expect-error unknown request member
    const e: TrainingStepArguments = { ...base, RoleARN: 'x' };
    void [a, b, c, d, e];
  });

  it('requires what the AWS request requires and takes the job name as an optional custom prefix', () => {
    // @ts-expect-error RoleArn is required by CreateTrainingJob
    const noRole: TrainingStepArguments = {
      AlgorithmSpecification: { TrainingInputMode: 'File' },
      OutputDataConfig: { S3OutputPath: 's' },
      ResourceConfig: { InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: {},
    };
    // The job name is optional: kept as the prefix with Pipeline({ useCustomJobPrefix: true }), dropped otherwise.
    const named: TrainingStepArguments = { ...trainingArgs(), TrainingJobName: 'x' };
    // @ts-expect-error a job name is a string, not a number
    const badName: TrainingStepArguments = { ...trainingArgs(), TrainingJobName: 1 };
    void [noRole, named, badName];
  });
});

describe('lookups by name and position need no `!` under noUncheckedIndexedAccess', () => {
  const named = new TrainingStep({
    name: 'Named',
    arguments: {
      ...trainingArgs(),
      AlgorithmSpecification: {
        TrainingInputMode: 'File',
        TrainingImage: 'i',
        MetricDefinitions: [{ Name: 'validation:accuracy', Regex: 'acc=([0-9.]+)' }],
      },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's' } } }],
      HyperParameters: { lr: '0.1', epochs: '3' },
      Environment: { MODE: 'fast' },
    },
  });

  it('types declared metric, channel, hyperparameter and environment names', () => {
    expectTypeOf(named.properties.FinalMetricDataList['validation:accuracy'].Value).toEqualTypeOf<Property<number>>();
    expectTypeOf(named.properties.InputDataConfig['train'].ChannelName).toEqualTypeOf<Property<string>>();
    expectTypeOf(named.properties.HyperParameters['lr']).toEqualTypeOf<Property<string>>();
    expectTypeOf(named.properties.Environment['MODE']).toEqualTypeOf<Property<string>>();
    // An undeclared key may not exist: the compiler says so.
    expectTypeOf(named.properties.HyperParameters['other']).toEqualTypeOf<Property<string> | undefined>();
  });

  it('types list positions up to 99', () => {
    expectTypeOf(named.properties.FinalMetricDataList[25].Value).toEqualTypeOf<Property<number>>();
    expectTypeOf(({} as TuningStep).properties.TrainingJobSummaries[49].TrainingJobName).toEqualTypeOf<
      Property<string>
    >();
  });

  it('types processing environment keys', () => {
    const env = new ProcessingStep({ name: 'Env', arguments: { ...processingArgs(), Environment: { STAGE: 'x' } } });
    expectTypeOf(env.properties.Environment['STAGE']).toEqualTypeOf<Property<string>>();
  });
});
