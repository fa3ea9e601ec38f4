import { describe, expect, it } from 'vitest';
import {
  EndpointStep,
  PropertyPathError,
  RegisterModelStep,
  TransformStep,
  TuningStep,
  isExpression,
} from '../../../src/index.js';
import { processing, training } from './fixtures.js';

describe('step properties (Proxy over the Describe* shape)', () => {
  const train = training('Train');
  const pre = processing('Pre', ['train', 'test']);

  it('records attribute paths as Get expressions', () => {
    expect(train.properties.ModelArtifacts.S3ModelArtifacts.expr).toEqual({
      Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts',
    });
    expect(train.properties.TrainingJobName.expr).toEqual({ Get: 'Steps.Train.TrainingJobName' });
  });

  it("writes list indexes like the Python SDK: ['name'] for strings, [0] for positions", () => {
    expect(pre.properties.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri.expr).toEqual({
      Get: "Steps.Pre.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri",
    });
    expect(pre.properties.ProcessingOutputConfig.Outputs[1].S3Output.S3Uri.expr).toEqual({
      Get: 'Steps.Pre.ProcessingOutputConfig.Outputs[1].S3Output.S3Uri',
    });
    expect(train.properties.FinalMetricDataList[0].Value.expr).toEqual({
      Get: 'Steps.Train.FinalMetricDataList[0].Value',
    });
    expect(train.properties.HyperParameters['epochs']!.expr).toEqual({ Get: "Steps.Train.HyperParameters['epochs']" });
  });

  it('rejects misspelled paths at run time too (plain JavaScript callers), listing the known names', () => {
    const props = train.properties as unknown as Record<string, Record<string, unknown>>;
    expect(() => props.ModelArtifacts!.S3ModelArtifact).toThrow(PropertyPathError);
    expect(() => props.ModelArtifacts!.S3ModelArtifact).toThrow(/known properties: S3ModelArtifacts/);
    expect(() => (props.TrainingJobName as unknown as Record<string, unknown>).Foo).toThrow(/not an object/);
  });

  it('is an expression at every node, is not thenable and serialises via toJSON', () => {
    expect(isExpression(train.properties.ModelArtifacts.S3ModelArtifacts)).toBe(true);
    expect((train.properties as unknown as { then?: unknown }).then).toBeUndefined();
    expect(JSON.stringify({ a: train.properties.TrainingJobArn })).toBe('{"a":{"Get":"Steps.Train.TrainingJobArn"}}');
  });

  it('covers every step kind with its Describe* shape', () => {
    const tune = new TuningStep({
      name: 'Tune',
      arguments: {
        HyperParameterTuningJobConfig: { Strategy: 'Bayesian', ResourceLimits: { MaxParallelTrainingJobs: 1 } },
      },
    });
    expect(tune.properties.BestTrainingJob.TrainingJobName.expr).toEqual({
      Get: 'Steps.Tune.BestTrainingJob.TrainingJobName',
    });
    expect(tune.properties.TrainingJobSummaries[2].TrainingJobName.expr).toEqual({
      Get: 'Steps.Tune.TrainingJobSummaries[2].TrainingJobName',
    });
    expect(tune.topModelS3Uri(0, 'bucket').expr).toEqual({
      'Std:Join': {
        On: '/',
        Values: [
          's3:/',
          'bucket',
          { Get: 'Steps.Tune.TrainingJobSummaries[0].TrainingJobName' },
          'output/model.tar.gz',
        ],
      },
    });
    const transform = new TransformStep({
      name: 'T',
      arguments: {
        ModelName: 'm',
        TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://b' } } },
        TransformOutput: { S3OutputPath: 's3://o' },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      },
    });
    expect(transform.properties.TransformOutput.S3OutputPath.expr).toEqual({
      Get: 'Steps.T.TransformOutput.S3OutputPath',
    });
    const register = new RegisterModelStep({ name: 'R', arguments: { ModelPackageGroupName: 'g' } });
    expect(register.properties.ModelPackageArn.expr).toEqual({ Get: 'Steps.R.ModelPackageArn' });
    const endpoint = new EndpointStep({ name: 'E', arguments: { EndpointName: 'e', EndpointConfigName: 'c' } });
    expect(endpoint.properties.EndpointStatus.expr).toEqual({ Get: 'Steps.E.EndpointStatus' });
  });
});
