import { describe, expect, it } from 'vitest';
import * as local from '../../src/index.js';

type ErrorClass = new (...args: never[]) => Error;

/** Every exported class whose instances are Errors, found by looking at the entry (so a new one cannot be missed). */
const errorClasses = Object.entries(local as Record<string, unknown>).filter(
  (e): e is [string, ErrorClass] =>
    typeof e[1] === 'function' && (e[1] as { prototype?: unknown }).prototype instanceof Error,
);

const ARGS: Record<string, unknown[]> = {
  LocalModeUnsupportedCommandError: ['SageMakerClient', 'CreateCluster'],
};

describe('LocalModeError', () => {
  it('is the base of every error class the package exports', () => {
    expect(errorClasses.map(([n]) => n)).toEqual(
      expect.arrayContaining(['LocalModeError', 'LocalModeUnsupportedCommandError', 'LocalModeConfigError']),
    );
  });

  it.each(errorClasses)('%s instances have a stable code and their own name', (name, Cls) => {
    const error = new Cls(...((ARGS[name] ?? ['something is wrong']) as never[]));
    expect(error).toBeInstanceOf(local.LocalModeError);
    expect(error.name).toBe(name);
    expect((error as local.LocalModeError).code).toBe(
      name
        .replace(/Error$/, '')
        .replace(/(?<!^)([A-Z])/g, '_$1')
        .toUpperCase(),
    );
  });

  it('keeps the fields of the unsupported-command error', () => {
    const unsupported = new local.LocalModeUnsupportedCommandError('SageMakerClient', 'CreateCluster');
    expect(unsupported).toMatchObject({
      client: 'SageMakerClient',
      command: 'CreateCluster',
      code: 'LOCAL_MODE_UNSUPPORTED_COMMAND',
    });
  });

  it('is what bad options to open throw', async () => {
    await expect(local.LocalSageMaker.open({ region: 'nowhere' })).rejects.toSatisfy(
      (e: unknown) => e instanceof local.LocalModeError && e.code === 'LOCAL_MODE_CONFIG',
    );
  });
});
