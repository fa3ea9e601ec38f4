import { describe, expect, it } from 'vitest';
import {
  ConditionStep,
  ExecutionVariables,
  FailStep,
  InvalidArgumentError,
  Join,
  JsonGet,
  ParameterBoolean,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
  PropertyFile,
  equals,
  isIn,
  lessThanOrEqualTo,
  not,
  or,
} from '../../../src/index.js';
import { processing, training } from './fixtures.js';

describe('Pipeline.definition()', () => {
  it('emits the Python SDK top-level layout with the default experiment config', () => {
    const definition = new Pipeline({ name: 'p', steps: [] }).definitionObject();
    expect(definition).toEqual({
      Version: '2020-12-01',
      Metadata: {},
      Parameters: [],
      PipelineExperimentConfig: {
        ExperimentName: { Get: 'Execution.PipelineName' },
        TrialName: { Get: 'Execution.PipelineExecutionId' },
      },
      Steps: [],
    });
  });

  it('returns the same definition as a string and as an object', () => {
    const p = new Pipeline({ name: 'p', steps: [new FailStep({ name: 'F', errorMessage: 'x' })] });
    expect(JSON.parse(p.definition())).toEqual(p.definitionObject());
  });

  it('declares parameters with defaults and enum values, omitting absent defaults', () => {
    const params = [
      new ParameterString({ name: 'S', defaultValue: 'a', enumValues: ['a', 'b'] }),
      new ParameterInteger({ name: 'I' }),
      new ParameterFloat({ name: 'F', defaultValue: 0.5 }),
      new ParameterBoolean({ name: 'B', defaultValue: false }),
    ];
    expect(new Pipeline({ name: 'p', parameters: params, steps: [] }).definitionObject().Parameters).toEqual([
      { Name: 'S', Type: 'String', DefaultValue: 'a', EnumValues: ['a', 'b'] },
      { Name: 'I', Type: 'Integer' },
      { Name: 'F', Type: 'Float', DefaultValue: 0.5 },
      { Name: 'B', Type: 'Boolean', DefaultValue: false },
    ]);
    expect(params.map((p) => [p.name, p.parameterType, p.defaultValue, p.enumValues])).toEqual([
      ['S', 'String', 'a', ['a', 'b']],
      ['I', 'Integer', undefined, undefined],
      ['F', 'Float', 0.5, undefined],
      ['B', 'Boolean', false, undefined],
    ]);
    expect(params[0]!.accepts('b')).toBe(true);
    expect(params[0]!.accepts('c')).toBe(false);
    expect(params[1]!.accepts(1.5)).toBe(false);
  });

  it('compiles every condition shape', () => {
    const s = new ParameterString({ name: 'S' });
    const cond = new ConditionStep({
      name: 'C',
      conditions: [or(equals(s, 'a'), not(isIn(s, ['b', 'c']))), lessThanOrEqualTo(1, 2)],
    });
    expect(new Pipeline({ name: 'p', parameters: [s], steps: [cond] }).definitionObject().Steps[0]).toEqual({
      Name: 'C',
      Type: 'Condition',
      Arguments: {
        Conditions: [
          {
            Type: 'Or',
            Conditions: [
              { Type: 'Equals', LeftValue: { Get: 'Parameters.S' }, RightValue: 'a' },
              { Type: 'Not', Condition: { Type: 'In', QueryValue: { Get: 'Parameters.S' }, Values: ['b', 'c'] } },
            ],
          },
          { Type: 'LessThanOrEqualTo', LeftValue: 1, RightValue: 2 },
        ],
        IfSteps: [],
        ElseSteps: [],
      },
    });
  });

  it('compiles JsonGet on a property file and on an S3 URI, and property files on the step', () => {
    const report = new PropertyFile({ name: 'Report', outputName: 'eval', path: 'evaluation.json' });
    const evaluate = processing('Eval', ['eval'], [report]);
    const fromFile = new JsonGet({ step: evaluate, propertyFile: report, jsonPath: 'metrics.acc' });
    const fromS3 = new JsonGet({
      s3Uri: new Join({ on: '/', values: ['s3://b', ExecutionVariables.PIPELINE_EXECUTION_ID] }),
      jsonPath: 'x',
    });
    const fail = new FailStep({ name: 'F', errorMessage: new Join({ on: ' ', values: [fromFile, fromS3] }) });
    const def = new Pipeline({ name: 'p', steps: [evaluate, fail] }).definitionObject();
    expect(def.Steps[0]!.PropertyFiles).toEqual([
      { PropertyFileName: 'Report', OutputName: 'eval', FilePath: 'evaluation.json' },
    ]);
    expect(def.Steps[1]!.Arguments).toEqual({
      ErrorMessage: {
        'Std:Join': {
          On: ' ',
          Values: [
            { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Eval.PropertyFiles.Report' }, Path: 'metrics.acc' } },
            {
              'Std:JsonGet': {
                S3Uri: { 'Std:Join': { On: '/', Values: ['s3://b', { Get: 'Execution.PipelineExecutionId' }] } },
                Path: 'x',
              },
            },
          ],
        },
      },
    });
  });

  it('derives implicit dependencies from references without writing them to DependsOn', () => {
    const pre = processing('Pre', ['out']);
    const train = training('Train', {
      Environment: { IN: pre.properties.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri },
    });
    const p = new Pipeline({ name: 'p', steps: [pre, train] });
    expect(p.definitionObject().Steps[1]!.DependsOn).toBeUndefined();
    expect([...p.dependencyGraph().get('Train')!]).toEqual(['Pre']);
  });

  it('rejects values JSON cannot carry, naming the path', () => {
    const train = training('Train', { StoppingCondition: { MaxRuntimeInSeconds: Number.NaN } });
    expect(() => new Pipeline({ name: 'p', steps: [train] }).definition()).toThrow(InvalidArgumentError);
    expect(() => new Pipeline({ name: 'p', steps: [train] }).definition()).toThrow(
      "step 'Train' at Arguments.StoppingCondition.MaxRuntimeInSeconds",
    );
  });

  it('refuses to turn an expression into a string at definition time (template literals)', () => {
    const bucket = new ParameterString({ name: 'Bucket' });
    expect(() => `s3://${bucket}/data`).toThrow(/new Join/);
    expect(() => String(training('T').properties.ModelArtifacts.S3ModelArtifacts)).toThrow(InvalidArgumentError);
  });

  it('rejects an invalid pipeline name', () => {
    expect(() => new Pipeline({ name: 'bad_name', steps: [] })).toThrow(InvalidArgumentError);
  });

  it('drops job names unless useCustomJobPrefix, then keeps the base of the name (Python trim_request_dict)', () => {
    const build = (useCustomJobPrefix?: boolean, TrainingJobName = 'team-a-train-2024-01-02-03-04-05-678') =>
      new Pipeline({
        name: 'p',
        steps: [training('Train', { TrainingJobName })],
        useCustomJobPrefix,
      }).definitionObject().Steps[0]!.Arguments as Record<string, unknown>;
    expect(build().TrainingJobName).toBeUndefined();
    expect(build(true).TrainingJobName).toBe('team-a-train');
    expect(build(true, 'plain').TrainingJobName).toBe('plain');
    expect(() => build(true, '')).toThrow("step 'Train' at Arguments.TrainingJobName");
  });
});
