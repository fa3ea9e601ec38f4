// definition() writes JSON text through a fast path that keeps no JSON paths and hands anything unusual to the
// full analysis; these tests hold it to JSON.stringify(definitionObject()), byte for byte.
import { describe, expect, it } from 'vitest';
import {
  ConditionStep,
  ExecutionVariables,
  FailStep,
  InvalidArgumentError,
  Join,
  JsonGet,
  LambdaStep,
  ParameterFloat,
  ParameterString,
  Pipeline,
  PropertyFile,
  UnknownStepReferenceError,
  equals,
  greaterThan,
} from '../../../src/index.js';
import { processing, training } from './fixtures.js';

class Tagged {
  readonly kind = 'tag';
  readonly weight = 2;
  describe(): string {
    return this.kind;
  }
}

function assortedPipeline(useCustomJobPrefix = false): Pipeline {
  const bucket = new ParameterString({ name: 'Bucket', defaultValue: 'b' });
  const threshold = new ParameterFloat({ name: 'Threshold', defaultValue: 0.5 });
  const report = new PropertyFile({ name: 'Report', outputName: 'eval', path: 'report.json' });
  const pre = processing('Pre', ['train', 'eval', 'we"ird'], [report]);
  const train = training('Train', {
    TrainingJobName: 'team-train-2024-01-02-03-04-05-678',
    HyperParameters: { threshold: threshold.asString(), quoted: 'say "hi"\\now' },
    InputDataConfig: [
      {
        ChannelName: 'train',
        DataSource: {
          S3DataSource: {
            S3DataType: 'S3Prefix',
            S3Uri: pre.properties.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri,
          },
        },
      },
    ],
  });
  const nullProto: Record<string, unknown> = Object.create(null);
  nullProto.b = 1;
  nullProto.a = 'x';
  const lambda = new LambdaStep({
    name: 'Lambda',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
    displayName: 'Ünïcode 😀 display',
    description: 'line\nbreak\ttab',
    dependsOn: ['Pre'],
    cacheConfig: { enabled: true, expireAfter: 'PT1H' },
    inputs: {
      text: ['plain', 'ümlaut', 'emoji 😀', 'lone \ud800 surrogate', 'ctrl \u0001\u001f', 'x'.repeat(200), ''],
      numbers: [0, -0, 1, -1.5, 0.1, 1e21, 5e-7, Number.MAX_SAFE_INTEGER],
      flags: [true, false, null],
      holes: [1, undefined, 3],
      dropped: undefined,
      date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)),
      instance: new Tagged(),
      nullProto,
      '20': 'integer-like key first',
      'we"ird\\key': 'escaped key',
      nested: { deeper: { deepest: [[], {}, [{}]] } },
      join: new Join({
        on: '/',
        values: ['s3:/', bucket, 7, true, new Join({ values: [ExecutionVariables.PIPELINE_EXECUTION_ID, 'x'] })],
      }),
      joinOnNumber: new Join({ on: 5 as unknown as string, values: ['a', 'b'] }),
      jsonGet: new JsonGet({ step: pre, propertyFile: report, jsonPath: 'metrics.accuracy.value' }),
      jsonGetS3: new JsonGet({ s3Uri: new Join({ values: ['s3://', bucket, '/r.json'] }), jsonPath: 'a' }),
      trainJob: train.properties.TrainingJobName,
      oddName: pre.properties.ProcessingOutputConfig.Outputs['we"ird'].S3Output.S3Uri,
      parameter: threshold,
    },
  });
  const fail = new FailStep({ name: 'Fail', errorMessage: new Join({ on: ' ', values: ['failed:', bucket] }) });
  const condition = new ConditionStep({
    name: 'Check',
    conditions: [greaterThan(threshold, 0.1), equals(pre.properties.ProcessingJobName, 'x')],
    ifSteps: [train, lambda],
    elseSteps: [fail],
  });
  const after = new FailStep({ name: 'After', errorMessage: condition.properties.Outcome, dependsOn: [condition] });
  return new Pipeline({
    name: 'p',
    parameters: [bucket, threshold],
    steps: [pre, condition, after],
    useCustomJobPrefix,
  });
}

describe('definition() text', () => {
  it.each([false, true])('is JSON.stringify(definitionObject()) byte for byte (useCustomJobPrefix %s)', (prefix) => {
    const pipeline = assortedPipeline(prefix);
    expect(pipeline.definition()).toBe(JSON.stringify(pipeline.definitionObject()));
  });

  it('is the same on every call', () => {
    const pipeline = assortedPipeline();
    const first = pipeline.definition();
    expect(pipeline.definition()).toBe(first);
    expect(assortedPipeline().definition()).toBe(first);
  });

  it('writes values only the full analysis judges as that analysis does (NaN inside a Join becomes null)', () => {
    const join = new Join({ values: ['a', Number.NaN] });
    const pipeline = new Pipeline({ name: 'p', steps: [new FailStep({ name: 'F', errorMessage: join })] });
    const text = pipeline.definition();
    expect(text).toBe(JSON.stringify(pipeline.definitionObject()));
    expect(JSON.parse(text).Steps[0].Arguments.ErrorMessage).toEqual({ 'Std:Join': { On: '', Values: ['a', null] } });
  });

  it('ignores enumerable properties added to Object.prototype', () => {
    const pipeline = assortedPipeline();
    const clean = pipeline.definition();
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 'yes';
    try {
      expect(pipeline.definition()).toBe(clean);
    } finally {
      delete proto.polluted;
    }
  });

  it('still names the step and path of a problem found deep in the arguments', () => {
    const bad = new LambdaStep({
      name: 'L',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      inputs: { a: [{ ok: 1 }, { fn: () => 1 }] },
    });
    expect(() => new Pipeline({ name: 'p', steps: [bad] }).definition()).toThrow("step 'L' at Arguments.a[1].fn");
    const ghost = training('Ghost');
    const reader = new LambdaStep({
      name: 'Reader',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      inputs: { x: new Join({ values: ['s3://', ghost.properties.ModelArtifacts.S3ModelArtifacts] }) },
    });
    let error: unknown;
    try {
      new Pipeline({ name: 'p', steps: [reader] }).definition();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownStepReferenceError);
    expect((error as UnknownStepReferenceError).path).toBe('Arguments.x');
    const stepAsValue = new LambdaStep({
      name: 'S',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      inputs: { step: ghost },
    });
    expect(() => new Pipeline({ name: 'p', steps: [stepAsValue, ghost] }).definition()).toThrow(InvalidArgumentError);
  });
});
