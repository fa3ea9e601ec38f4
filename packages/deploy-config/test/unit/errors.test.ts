/**
 * The error contract of @sagemaker-mlops/deploy-config: one base class, a literal-typed `code` from a closed list
 * (the class name in SCREAMING_SNAKE_CASE without "Error"), each class named after itself.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as entry from '../../src/index.js';

type ErrorClass = new (...args: never[]) => Error;

/** Every exported class whose instances are Errors, found from the entry so a new one cannot be missed. */
const classes = Object.entries(entry as Record<string, unknown>).filter(
  (e): e is [string, ErrorClass] =>
    typeof e[1] === 'function' && (e[1] as { prototype?: unknown }).prototype instanceof Error,
);

// Constructor arguments for classes whose constructor does more than take a message.
const ARGS: Record<string, unknown[]> = {
  StageConfigError: ['staging.json', [{ path: 'Type', message: 'required' }]],
  ModelPackageNotApprovedError: ['arn:aws:sagemaker:us-east-1:1:model-package/g/1', 'PendingManualApproval'],
  ModelPackageNotFoundError: ['arn:aws:sagemaker:us-east-1:1:model-package/g/1'],
  NoApprovedModelPackageError: ['g'],
  PromotionRequiredError: ['prod', 'staging', 'arn:x/2', 'arn:x/1'],
  DeploymentFailedError: ['ep', 'ep-config-2', 'bad image', 'ep-config-1'],
  StageNotConfiguredError: ['qa', ['staging', 'prod']],
  EndpointBusyError: ['ep', 'Updating'],
  ModelPackageNotReadyError: ['arn:x/1', 'InProgress'],
};

const screamingSnake = (name: string) =>
  name
    .replace(/Error$/, '')
    .replace(/(?<!^)([A-Z])/g, '_$1')
    .toUpperCase();

describe('DeployConfigError contract', () => {
  it('finds the error classes of the entry', () => {
    expect(classes.map(([name]) => name)).toEqual(
      expect.arrayContaining(['DeployConfigError', 'StageConfigError', 'StageNotConfiguredError']),
    );
  });

  it.each(classes)('%s is a DeployConfigError with its own name and code', (name, Cls) => {
    const error = new Cls(...((ARGS[name] ?? ['something is wrong']) as never[])) as entry.DeployConfigError;
    expect(error).toBeInstanceOf(entry.DeployConfigError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(screamingSnake(name));
    expect(entry.DEPLOY_CONFIG_ERROR_CODES).toContain(error.code);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('codes are unique and the list has no code without a class', () => {
    const codes = classes.map(([name]) => screamingSnake(name));
    expect(new Set(codes).size).toBe(codes.length);
    expect([...entry.DEPLOY_CONFIG_ERROR_CODES].sort()).toEqual([...codes].sort());
  });

  it('code is a literal union, not a string', () => {
    expectTypeOf<entry.DeployConfigError['code']>().toEqualTypeOf<entry.DeployConfigErrorCode>();
    expectTypeOf<string>().not.toMatchTypeOf<entry.DeployConfigErrorCode>();
  });

  it('is what a real failure throws: an invalid stage config', () => {
    expect(() => entry.parseStageConfig({ Type: 'Serverless' })).toThrow(entry.StageConfigError);
    try {
      entry.parseStageConfig({ Type: 'Serverless' });
    } catch (error) {
      expect(error).toMatchObject({ code: 'STAGE_CONFIG', name: 'StageConfigError' });
    }
  });
});
