// Parity: each reference pipeline in pipelines/*.py is compiled by the SageMaker Python SDK
// (pinned in requirements.txt, run offline) and must equal the definition of its TypeScript twin
// in twins/*.ts (parsed JSON, key order ignored).
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { venvPython } from '@sagemaker-mlops/test-services';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline } from '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(join(here, 'pipelines'))
  .filter((f) => f.endsWith('.py') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

let python: Record<string, unknown> = {};

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(venvPython('parity'), [join(here, 'compile_all.py')], {
    cwd: here,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 240_000,
  });
  const lastLine = stdout.trimEnd().split('\n').pop() ?? '';
  python = JSON.parse(lastLine) as Record<string, unknown>;
}, 300_000);

describe('parity with the SageMaker Python SDK v2.257', () => {
  it('has at least 25 reference pipelines, each compiled by Python', () => {
    expect(names.length).toBeGreaterThanOrEqual(25);
    expect(Object.keys(python).sort()).toEqual(names);
  });

  it.each(names)('%s: TypeScript twin compiles to the Python SDK definition', async (name) => {
    const twin = (await import(`./twins/${name}.ts`)) as { build: () => Pipeline };
    const pipeline = twin.build();
    const text = pipeline.definition();
    expect(JSON.parse(text)).toEqual(python[name]);
    // definition() writes text directly; it must be exactly the object form, stringified.
    expect(text).toBe(JSON.stringify(pipeline.definitionObject()));
  });
});
