/**
 * The house error contract: one base class with a literal-typed `code` and `httpStatus`, every class exported,
 * named after itself, and no class name shared with another package of the monorepo.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as bridge from '../../src/index.js';

type ErrorClass = new (...args: never[]) => Error;

const classes = Object.entries(bridge as Record<string, unknown>).filter(
  (e): e is [string, ErrorClass] =>
    typeof e[1] === 'function' && (e[1] as { prototype?: unknown }).prototype instanceof Error,
);

const ARGS: Record<string, unknown[]> = {
  InvalidPayloadError: ['bad', '$.x'],
  RequestBodyTooLargeError: [10],
  LabelNotAllowedError: ['x', ['a', 'b']],
  MediaRefusedError: ['http://x/', 'no'],
  MediaFetchError: ['http://x/', 'no'],
  LabelStudioApiError: ['GET', '/api', 404, 'nope'],
  PipelineStartError: ['p', 1, new Error('boom')],
};

describe('LabelingBridgeError', () => {
  it('covers every exported error class', () => {
    expect(classes.map(([n]) => n).sort()).toEqual(
      [
        'BridgeConfigError',
        'InvalidPayloadError',
        'LabelConfigError',
        'LabelNotAllowedError',
        'LabelStudioApiError',
        'LabelingBridgeError',
        'MediaFetchError',
        'MediaRefusedError',
        'PipelineStartError',
        'PredictorError',
        'RequestBodyTooLargeError',
        'UnauthorizedError',
      ].sort(),
    );
  });

  it.each(classes)('%s has its own name, a stable code and an HTTP status', (name, Cls) => {
    const error = new Cls(...((ARGS[name] ?? ['something is wrong']) as never[])) as bridge.LabelingBridgeError;
    expect(error).toBeInstanceOf(bridge.LabelingBridgeError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(
      name
        .replace(/Error$/, '')
        .replace(/(?<!^)([A-Z])/g, '_$1')
        .toUpperCase(),
    );
    expect(error.httpStatus).toBeGreaterThanOrEqual(400);
    expect(error.httpStatus).toBeLessThan(600);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('types code as a literal', () => {
    expectTypeOf(new bridge.InvalidPayloadError('x').code).toEqualTypeOf<'INVALID_PAYLOAD'>();
    expectTypeOf<bridge.LabelingBridgeError['code']>().toEqualTypeOf<bridge.LabelingBridgeErrorCode>();
  });

  it('shares no class name with the other packages', () => {
    const packages = join(dirname(fileURLToPath(import.meta.url)), '../../..');
    const others = new Set<string>();
    for (const pkg of readdirSync(packages)) {
      if (pkg === 'labeling-bridge') continue;
      const walk = (dir: string): void => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) walk(path);
          else if (/\.ts$/.test(entry.name))
            for (const m of readFileSync(path, 'utf8').matchAll(/export class (\w+Error)\b/g))
              others.add(m[1] as string);
        }
      };
      if (existsSync(join(packages, pkg, 'src'))) walk(join(packages, pkg, 'src'));
    }
    expect(others.size).toBeGreaterThan(10);
    expect(classes.map(([n]) => n).filter((n) => others.has(n))).toEqual([]);
  });
});
