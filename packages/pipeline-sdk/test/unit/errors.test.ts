import { describe, expect, expectTypeOf, it } from 'vitest';
import * as sdk from '../../src/index.js';

type ErrorClass = new (...args: never[]) => Error;

/** Every exported class whose instances are Errors, found by looking at the entries (so a new one cannot be missed). */
function errorClasses(entry: Record<string, unknown>): [string, ErrorClass][] {
  return Object.entries(entry).filter(
    (e): e is [string, ErrorClass] =>
      typeof e[1] === 'function' && (e[1] as { prototype?: unknown }).prototype instanceof Error,
  );
}

// Constructor arguments for classes whose constructor does more than take a message.
const ARGS: Record<string, unknown[]> = {
  DependencyCycleError: [['A', 'B', 'A']],
  UnknownStepReferenceError: ['no such step', 'Missing'],
  PipelineParameterError: ['p', [{ name: 'Epochs', message: 'not an integer' }]],
  PipelineDefinitionTooLargeError: ['p', 200_000, 100_000],
  PipelineExecutionFailedError: ['arn:x', 'Failed', 'boom', []],
  WaitTimeoutError: ['arn:x', 10, 'Executing'],
  UnsupportedFrameworkImageError: ['region', 'mars-1', ['us-east-1']],
  DistributionConfigError: ['torch_distributed', ['needs a GPU instance']],
  MetricDefinitionError: [0, 'loss', 'bad regex'],
};

const main = errorClasses(sdk);

describe('PipelineSdkError', () => {
  it('is exported with its family bases', () => {
    expect(main.map(([n]) => n)).toEqual(
      expect.arrayContaining([
        'PipelineDefinitionError',
        'LifecycleError',
        'CodeAssetError',
        'FrameworkConfigError',
        'PipelineSdkError',
      ]),
    );
  });

  it.each(main)('%s instances are PipelineSdkErrors with a stable code and their own name', (name, Cls) => {
    const error = new Cls(...((ARGS[name] ?? ['something is wrong', 'detail']) as never[]));
    expect(error).toBeInstanceOf(sdk.PipelineSdkError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect((error as sdk.PipelineSdkError).code).toBe(
      name
        .replace(/Error$/, '')
        .replace(/(?<!^)([A-Z])/g, '_$1')
        .toUpperCase(),
    );
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('codes are unique, and every code in the list belongs to an exported class', () => {
    const codes = main.map(
      ([name, Cls]) => (new Cls(...((ARGS[name] ?? ['m', 'd']) as never[])) as sdk.PipelineSdkError).code,
    );
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(sdk.PIPELINE_SDK_ERROR_CODES).toContain(code);
    expect([...sdk.PIPELINE_SDK_ERROR_CODES].sort()).toEqual([...codes].sort());
  });

  it('code is a literal union, not a string', () => {
    expectTypeOf<sdk.PipelineSdkError['code']>().toEqualTypeOf<sdk.PipelineSdkErrorCode>();
    expectTypeOf<string>().not.toMatchTypeOf<sdk.PipelineSdkErrorCode>();
  });

  it('keeps the existing fields of the specific classes', () => {
    const cycle = new sdk.DependencyCycleError(['A', 'B', 'A']);
    expect(cycle.cycle).toEqual(['A', 'B', 'A']);
    expect(cycle.stepName).toBe('A');
    expect(cycle).toBeInstanceOf(sdk.PipelineDefinitionError);
  });

  it('is what real failures throw: a bad step name', () => {
    expect(() => new sdk.FailStep({ name: 'has space' })).toThrow(sdk.PipelineSdkError);
    try {
      new sdk.FailStep({ name: 'has space' });
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_STEP_NAME', name: 'InvalidStepNameError' });
    }
  });
});
