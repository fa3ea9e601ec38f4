import { describe, expect, it } from 'vitest';
import {
  CallbackStep,
  ConditionStep,
  EndpointStep,
  LambdaStep,
  ModelStep,
  RegisterModelStep,
  TuningStep,
  isIn,
  or,
  DependencyCycleError,
  DuplicateStepNameError,
  FailStep,
  InvalidArgumentError,
  InvalidStepNameError,
  JsonGet,
  ParameterError,
  ParameterInteger,
  ParameterString,
  Pipeline,
  PipelineDefinitionError,
  PropertyFile,
  ProcessingStep,
  PropertyFileError,
  TrainingStep,
  type RetryPolicy,
  RetryPolicyError,
  StepPlacementError,
  UnknownStepReferenceError,
  equals,
  greaterThan,
} from '../../../src/index.js';
import { processing, processingArgs, training, trainingArgs } from './fixtures.js';

function compileError(pipeline: Pipeline): PipelineDefinitionError {
  try {
    pipeline.definition();
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineDefinitionError);
    return error as PipelineDefinitionError;
  }
  throw new Error('expected definition() to throw');
}

describe('step names', () => {
  it.each(['', 'has space', 'dot.name', 'x'.repeat(65), 'ümlaut'])('rejects %j', (name) => {
    expect(() => new FailStep({ name })).toThrow(InvalidStepNameError);
  });

  it('accepts letters, digits, - and _ up to 64 characters', () => {
    expect(new FailStep({ name: `A-b_9${'x'.repeat(59)}` }).name).toHaveLength(64);
  });

  it('rejects two steps with the same name, naming both places', () => {
    const error = compileError(
      new Pipeline({ name: 'p', steps: [new FailStep({ name: 'Same' }), new FailStep({ name: 'Same' })] }),
    );
    expect(error).toBeInstanceOf(DuplicateStepNameError);
    expect(error.stepName).toBe('Same');
    expect(error.message).toContain('Steps[0]');
    expect(error.message).toContain('Steps[1]');
  });

  it('rejects a duplicate name hidden in a condition branch', () => {
    const cond = new ConditionStep({ name: 'C', conditions: [equals(1, 1)], elseSteps: [new FailStep({ name: 'A' })] });
    const error = compileError(new Pipeline({ name: 'p', steps: [new FailStep({ name: 'A' }), cond] }));
    expect(error).toBeInstanceOf(DuplicateStepNameError);
    expect(error.path).toBe('Steps.C.ElseSteps[0]');
  });
});

describe('references', () => {
  it('rejects a property of a step that is not in the pipeline, with the argument path', () => {
    const pre = processing('Pre', ['train']);
    const train = training('Train', {
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
    const error = compileError(new Pipeline({ name: 'p', steps: [train] }));
    expect(error).toBeInstanceOf(UnknownStepReferenceError);
    expect(error.stepName).toBe('Train');
    expect(error.path).toBe('Arguments.InputDataConfig[0].DataSource.S3DataSource.S3Uri');
    expect((error as UnknownStepReferenceError).referencedStep).toBe('Pre');
  });

  it('rejects DependsOn naming an unknown step', () => {
    const error = compileError(new Pipeline({ name: 'p', steps: [new FailStep({ name: 'F', dependsOn: ['Ghost'] })] }));
    expect(error).toBeInstanceOf(UnknownStepReferenceError);
    expect(error.path).toBe('DependsOn[0]');
  });

  it('lets branch steps reference top-level steps and vice versa', () => {
    const pre = processing('Pre', ['out']);
    const inBranch = training('InBranch', { Environment: { X: pre.properties.ProcessingJobName } });
    const after = new FailStep({ name: 'After', errorMessage: inBranch.properties.TrainingJobName });
    const cond = new ConditionStep({ name: 'C', conditions: [equals(1, 1)], ifSteps: [inBranch] });
    const pipeline = new Pipeline({ name: 'p', steps: [pre, cond, after] });
    expect(() => pipeline.definition()).not.toThrow();
    expect([...pipeline.dependencyGraph().get('InBranch')!].sort()).toEqual(['C', 'Pre']);
  });
});

describe('dependency cycles', () => {
  it('finds a cycle through DependsOn and names it in order', () => {
    const a = new FailStep({ name: 'A', dependsOn: ['C'] });
    const b = new FailStep({ name: 'B', dependsOn: [a] });
    const c = new FailStep({ name: 'C', dependsOn: ['B'] });
    const error = compileError(new Pipeline({ name: 'p', steps: [a, b, c] }));
    expect(error).toBeInstanceOf(DependencyCycleError);
    const cycle = (error as DependencyCycleError).cycle;
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    expect(new Set(cycle)).toEqual(new Set(['A', 'B', 'C']));
    expect(error.message).toMatch(/A -> B -> C -> A|B -> C -> A -> B|C -> A -> B -> C/);
  });

  it('finds a cycle made of a property reference and a DependsOn', () => {
    const train = new TrainingStep({ name: 'Train', arguments: trainingArgs(), dependsOn: ['Report'] });
    const report = new FailStep({ name: 'Report', errorMessage: train.properties.TrainingJobName });
    expect(compileError(new Pipeline({ name: 'p', steps: [train, report] }))).toBeInstanceOf(DependencyCycleError);
  });

  it('rejects a step that reads its own property', () => {
    const t = training('T');
    const selfRef = new FailStep({ name: 'T', errorMessage: t.properties.TrainingJobName });
    expect(compileError(new Pipeline({ name: 'p', steps: [selfRef] }))).toBeInstanceOf(DependencyCycleError);
  });

  it('handles a 2,000-step chain without recursion limits', () => {
    const steps: FailStep[] = [];
    for (let i = 0; i < 2000; i++) steps.push(new FailStep({ name: `S${i}`, dependsOn: i > 0 ? [`S${i - 1}`] : [] }));
    expect(JSON.parse(new Pipeline({ name: 'p', steps }).definition()).Steps).toHaveLength(2000);
  });
});

describe('placement', () => {
  it('rejects a step both at top level and in a condition branch', () => {
    const shared = new FailStep({ name: 'Shared' });
    const cond = new ConditionStep({ name: 'C', conditions: [equals(1, 1)], ifSteps: [shared] });
    const error = compileError(new Pipeline({ name: 'p', steps: [shared, cond] }));
    expect(error).toBeInstanceOf(StepPlacementError);
    expect(error.stepName).toBe('Shared');
    expect(error.message).toContain('Steps[0]');
    expect(error.message).toContain('Steps.C.IfSteps[0]');
  });

  it('rejects a step in both branches', () => {
    const shared = new FailStep({ name: 'Shared' });
    const cond = new ConditionStep({ name: 'C', conditions: [equals(1, 1)], ifSteps: [shared], elseSteps: [shared] });
    expect(compileError(new Pipeline({ name: 'p', steps: [cond] }))).toBeInstanceOf(StepPlacementError);
  });
});

describe('parameters', () => {
  it('rejects a parameter used but not declared, with step and path', () => {
    const count = new ParameterInteger({ name: 'Count', defaultValue: 1 });
    const step = new ConditionStep({ name: 'C', conditions: [greaterThan(count, 0)] });
    const error = compileError(new Pipeline({ name: 'p', steps: [step] }));
    expect(error).toBeInstanceOf(ParameterError);
    expect(error.stepName).toBe('C');
    expect(error.path).toBe('Arguments.Conditions[0]');
    expect(error.message).toContain("parameter 'Count'");
  });

  it('rejects a parameter declared twice, or with a default outside its enum', () => {
    const a = new ParameterString({ name: 'A' });
    expect(
      compileError(new Pipeline({ name: 'p', parameters: [a, new ParameterString({ name: 'A' })], steps: [] })),
    ).toBeInstanceOf(ParameterError);
    expect(() => new ParameterString({ name: 'S', defaultValue: 'x', enumValues: ['a', 'b'] })).toThrow(ParameterError);
    expect(() => new ParameterInteger({ name: 'I', defaultValue: 1.5 })).toThrow(/not an integer/);
    expect(() => new ParameterString({ name: 'bad name' })).toThrow(ParameterError);
  });

  it('rejects the same parameter name used with another type', () => {
    const declared = new ParameterString({ name: 'X' });
    const used = new ParameterInteger({ name: 'X' });
    const step = new ConditionStep({ name: 'C', conditions: [greaterThan(used, 0)] });
    expect(compileError(new Pipeline({ name: 'p', parameters: [declared], steps: [step] })).message).toContain(
      'used as Integer but declared as String',
    );
  });
});

describe('property files and JsonGet', () => {
  it('rejects JsonGet on a property file the step does not declare', () => {
    const evaluate = processing(
      'Eval',
      ['report'],
      [new PropertyFile({ name: 'Report', outputName: 'report', path: 'r.json' })],
    );
    const get = new JsonGet<number>({ step: evaluate, propertyFile: 'Typo', jsonPath: 'a' });
    const cond = new ConditionStep({ name: 'C', conditions: [greaterThan(get, 1)] });
    const error = compileError(new Pipeline({ name: 'p', steps: [evaluate, cond] }));
    expect(error).toBeInstanceOf(PropertyFileError);
    expect(error.message).toContain("'Typo'");
    expect(error.message).toContain('declared: Report');
  });

  it('rejects JsonGet on a step that is not a Processing step', () => {
    const train = training('Train');
    const get = new JsonGet({ step: train, propertyFile: 'Report', jsonPath: 'a' });
    const fail = new FailStep({ name: 'F', errorMessage: get });
    const error = compileError(new Pipeline({ name: 'p', steps: [train, fail] }));
    expect(error).toBeInstanceOf(PropertyFileError);
    expect(error.message).toContain('Training step');
    expect(error.path).toBe('Arguments.ErrorMessage');
  });

  it('rejects a property file whose output the step does not produce', () => {
    expect(() =>
      processing('Eval', ['report'], [new PropertyFile({ name: 'R', outputName: 'metrics', path: 'r.json' })]),
    ).toThrow(/reads output 'metrics'/);
  });

  it('rejects JsonGet on a step missing from the pipeline', () => {
    const get = new JsonGet({ step: 'Nowhere', propertyFile: 'R', jsonPath: 'a' });
    expect(
      compileError(new Pipeline({ name: 'p', steps: [new FailStep({ name: 'F', errorMessage: get })] })),
    ).toBeInstanceOf(UnknownStepReferenceError);
  });
});

describe('retry policies and cache config', () => {
  const make = (policy: object, cacheConfig?: object) =>
    new ProcessingStep({
      name: 'P',
      arguments: processingArgs(),
      retryPolicies: [policy as RetryPolicy],
      cacheConfig: cacheConfig as never,
    });

  it.each([
    [{ exceptionTypes: ['Step.THROTTLING'], maxAttempts: 21 }, 'MaxAttempts'],
    [{ exceptionTypes: ['Step.THROTTLING'], maxAttempts: -1 }, 'MaxAttempts'],
    [{ exceptionTypes: ['Step.THROTTLING'], expireAfterMin: 14401 }, 'ExpireAfterMin'],
    [{ exceptionTypes: ['Step.THROTTLING'], expireAfterMin: -1 }, 'ExpireAfterMin'],
    [{ exceptionTypes: ['Step.THROTTLING'], maxAttempts: 3, backoffRate: -1 }, 'BackoffRate'],
    [{ exceptionTypes: ['Step.TYPO'], maxAttempts: 3 }, 'ExceptionType'],
    [{ exceptionTypes: ['Step.THROTTLING', 'SageMaker.CAPACITY_ERROR'], maxAttempts: 3 }, 'ExceptionType'],
  ])('rejects %j at %s', (policy, field) => {
    let error: unknown;
    try {
      make(policy);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RetryPolicyError);
    expect((error as RetryPolicyError).stepName).toBe('P');
    expect((error as RetryPolicyError).path).toBe(`RetryPolicies[0].${field}`);
  });

  // The Python SDK's RetryPolicy.to_request validates and emits only truthy values, and its
  // "only one of max_attempts / expire_after_mins" check never fires (a chained comparison).
  it.each([
    [{ maxAttempts: 1 }, { MaxAttempts: 1 }],
    [{ maxAttempts: 20 }, { MaxAttempts: 20 }],
    [{ expireAfterMin: 14400 }, { ExpireAfterMin: 14400 }],
    [{}, {}],
    [
      { maxAttempts: 3, expireAfterMin: 10 },
      { MaxAttempts: 3, ExpireAfterMin: 10 },
    ],
    [{ expireAfterMin: 0 }, {}],
    [{ maxAttempts: 0, expireAfterMin: 5 }, { ExpireAfterMin: 5 }],
  ])('accepts %j and emits %j as the Python SDK does', (policy, emitted) => {
    const step = make({ exceptionTypes: ['Step.SERVICE_FAULT'], ...policy });
    expect(step.stepFields.RetryPolicies).toEqual([
      { ExceptionType: ['Step.SERVICE_FAULT'], BackoffRate: 2, IntervalSeconds: 1, ...emitted },
    ]);
  });

  it('refuses SageMaker.* exception types on Model and RegisterModel steps, as the Python ModelStep does', () => {
    const policy = { exceptionTypes: ['SageMaker.CAPACITY_ERROR' as const], maxAttempts: 2 };
    expect(() => new ModelStep({ name: 'M', arguments: { ExecutionRoleArn: 'r' }, retryPolicies: [policy] })).toThrow(
      RetryPolicyError,
    );
    expect(
      () => new RegisterModelStep({ name: 'R', arguments: { ModelPackageGroupName: 'g' }, retryPolicies: [policy] }),
    ).toThrow(/not allowed on a create\/register model step/);
    const stepTypes = { exceptionTypes: ['Step.THROTTLING' as const], maxAttempts: 2 };
    expect(
      () => new ModelStep({ name: 'M', arguments: { ExecutionRoleArn: 'r' }, retryPolicies: [stepTypes] }),
    ).not.toThrow();
    expect(() => make(policy)).not.toThrow();
  });

  it('rejects a cache expiry that is not an ISO-8601 duration', () => {
    expect(() =>
      make({ exceptionTypes: ['Step.THROTTLING'], maxAttempts: 1 }, { enabled: true, expireAfter: '1 hour' }),
    ).toThrow(InvalidArgumentError);
  });

  it('rejects options a step does not take (a typo from JavaScript callers)', () => {
    expect(() => new FailStep({ name: 'F', errrorMessage: 'x' } as never)).toThrow(
      /does not take option 'errrorMessage'/,
    );
  });
});

describe('step-specific options', () => {
  it('requires a Lambda function ARN and an SQS queue URL, and unique output names', () => {
    expect(() => new LambdaStep({ name: 'L', functionArn: '' })).toThrow(/functionArn/);
    expect(() => new CallbackStep({ name: 'C', sqsQueueUrl: '' })).toThrow(/sqsQueueUrl/);
    expect(() => new LambdaStep({ name: 'L', functionArn: 'arn', outputs: [{ name: 'a' }, { name: 'a' }] })).toThrow(
      "step 'L' at OutputParameters[1].OutputName",
    );
  });

  it('rejects retry policies on an Endpoint step and cache config on a Model step (not supported by SageMaker)', () => {
    expect(
      () =>
        new EndpointStep({
          name: 'E',
          arguments: { EndpointName: 'e', EndpointConfigName: 'c' },
          retryPolicies: [{ exceptionTypes: ['Step.THROTTLING'], maxAttempts: 2 }],
        } as never),
    ).toThrow(/does not take option 'retryPolicies'/);
    expect(
      () => new ModelStep({ name: 'M', arguments: { ExecutionRoleArn: 'r' }, cacheConfig: { enabled: true } } as never),
    ).toThrow(/does not take option 'cacheConfig'/);
  });

  it('requires at least one condition and rejects empty In/Or', () => {
    expect(() => new ConditionStep({ name: 'C', conditions: [] })).toThrow(InvalidArgumentError);
    expect(() => isIn('a', [])).toThrow(InvalidArgumentError);
    expect(() => or()).toThrow(InvalidArgumentError);
  });

  it('bounds topModelS3Uri to the 50 summaries a tuning job keeps', () => {
    const tune = new TuningStep({
      name: 'T',
      arguments: {
        HyperParameterTuningJobConfig: { Strategy: 'Random', ResourceLimits: { MaxParallelTrainingJobs: 1 } },
      },
    });
    expect(() => tune.topModelS3Uri(50, 'b')).toThrow(/out of range 0..49/);
  });
});
