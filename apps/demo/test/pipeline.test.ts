import { describe, expect, it } from 'vitest';
import { PROFILES } from '../src/config.js';
import type { DemoNames } from '../src/context.js';
import { ACCURACY_JSON_PATH, buildDemoPipeline } from '../src/pipeline.js';

const names: DemoNames = {
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
  bucket: 'bucket',
  lakePrefix: 'lake',
  pipelineName: 'demo',
  modelPackageGroupName: 'demo-group',
  endpoints: { staging: 's', prod: 'p' },
  processingInstanceType: 'ml.m5.large',
  trainingInstanceType: 'ml.m5.xlarge',
  prodInstanceType: 'ml.m5.large',
};

// biome-ignore lint/suspicious/noExplicitAny: the assertions walk the compiled definition as untyped JSON
type Json = Record<string, any>;

describe('the demo pipeline definition', () => {
  const compiled = buildDemoPipeline({
    names,
    profile: PROFILES.default,
    code: {
      trainingSourceDir: 's3://bucket/code/sourcedir.tar.gz',
      trainingHyperParameters: { sagemaker_program: '"train.py"' },
      processingCode: 's3://bucket/code/p/',
    },
    images: { training: 'training-image', processing: 'processing-image', inference: 'inference-image' },
    defaults: {
      modelName: 'resnet26',
      batchSize: 64,
      optimizer: 'Adam',
      learningRate: 0.002,
      epochs: 3,
      accuracyGate: 0.8,
    },
  }).definition();
  const definition = (typeof compiled === 'string' ? JSON.parse(compiled) : compiled) as Json;
  const step = (name: string) => definition.Steps.find((s: Json) => s.Name === name) as Json;

  it('has the seed’s parameters with the tuned defaults', () => {
    expect(definition.Parameters).toEqual([
      { Name: 'ModelName', Type: 'String', DefaultValue: 'resnet26', EnumValues: ['resnet18', 'resnet26', 'resnet34'] },
      { Name: 'BatchSize', Type: 'Integer', DefaultValue: 64 },
      { Name: 'Optimizer', Type: 'String', DefaultValue: 'Adam', EnumValues: ['SGD', 'Adam', 'AdamW'] },
      { Name: 'LearningRate', Type: 'Float', DefaultValue: 0.002 },
      { Name: 'Epochs', Type: 'Integer', DefaultValue: 3 },
      { Name: 'LakePrefix', Type: 'String', DefaultValue: 's3://bucket/lake' },
      { Name: 'AccuracyGate', Type: 'Float', DefaultValue: 0.8 },
    ]);
  });

  it('trains on the preprocess outputs with the parameters as hyperparameters', () => {
    const train = step('Train').Arguments;
    expect(train.HyperParameters.model).toEqual({ Get: 'Parameters.ModelName' });
    expect(train.HyperParameters['batch-size']).toEqual({
      'Std:Join': { On: '', Values: [{ Get: 'Parameters.BatchSize' }] },
    });
    expect(train.InputDataConfig[0].DataSource.S3DataSource.S3Uri).toEqual({
      Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri",
    });
  });

  it('gates on evaluation.json accuracy: register pending approval, else fail', () => {
    const gate = step('CheckAccuracy');
    expect(gate.Arguments.Conditions).toEqual([
      {
        Type: 'GreaterThanOrEqualTo',
        LeftValue: {
          'Std:JsonGet': {
            PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' },
            Path: ACCURACY_JSON_PATH,
          },
        },
        RightValue: { Get: 'Parameters.AccuracyGate' },
      },
    ]);
    const [register] = gate.Arguments.IfSteps;
    expect(register.Type).toBe('RegisterModel');
    expect(register.Arguments.ModelApprovalStatus).toBe('PendingManualApproval');
    expect(register.Arguments.InferenceSpecification.Containers[0].ModelDataUrl).toEqual({
      Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts',
    });
    expect(gate.Arguments.ElseSteps[0].Type).toBe('Fail');
    expect(step('Evaluate').PropertyFiles).toEqual([
      { PropertyFileName: 'EvaluationReport', OutputName: 'evaluation', FilePath: 'evaluation.json' },
    ]);
  });
});
