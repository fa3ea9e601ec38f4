/**
 * Local mode inside an app bundled with esbuild (minified: command class names are mangled, and the bundle runs
 * from a folder without node_modules, so the Python runtime must be found through the runtimeDir option).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE_PY } from './helpers.js';

const run = promisify(execFile);
const packageDir = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'sm-local-bundle-'));
const bundle = join(work, 'app.mjs');
const modelArchive = join(work, 'model.tar.gz');

beforeAll(async () => {
  await build({
    entryPoints: [join(__dirname, 'fixtures', 'bundled-app.ts')],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    // The AWS SDK's CJS dependencies call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
  const modelDir = join(work, 'model');
  cpSync(join(packageDir, 'python'), join(work, 'runtime'), { recursive: true });
  writeFileSync(join(work, 'model.json'), JSON.stringify({ version: 'bundled', factor: 3 }));
  rmSync(modelDir, { recursive: true, force: true });
  cpSync(join(work, 'model.json'), join(modelDir, 'model.json'));
  writeFileSync(join(work, 'inference.py'), INFERENCE_PY);
  cpSync(join(work, 'inference.py'), join(modelDir, 'code', 'inference.py'));
  await tar.c({ gzip: true, file: modelArchive, cwd: modelDir }, ['model.json', 'code']);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runBundle(stateDir: string, env: Record<string, string> = {}) {
  return run(process.execPath, [bundle, join(work, stateDir), modelArchive], {
    cwd: work,
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
}

describe('a minified esbuild bundle of an app using local mode', () => {
  it('serves an endpoint and runs a pipeline (dispatch by command class, not by its mangled name)', async () => {
    const { stdout } = await runBundle('state-ok', { APP_RUNTIME_DIR: join(work, 'runtime') });
    const result = JSON.parse(stdout.trim().split('\n').pop() as string);
    expect(result.createModelClassName).not.toBe('CreateModelCommand'); // minified: constructor.name is useless
    expect(result.prediction).toMatchObject({ version: 'bundled', y: [3, 6] });
    expect(result.execution.PipelineExecutionStatus).toBe('Succeeded');
    expect(result.stepStatus).toBe('Succeeded');
    expect(result.written).toBe('bundled');
  });

  it('without node_modules or runtimeDir, says where the Python runtime is missing and what to do', async () => {
    const failed = await runBundle('state-missing').then(
      () => undefined,
      (error: { stderr: string }) => error,
    );
    expect(failed?.stderr).toMatch(/Python runtime .* was not found/);
    expect(failed?.stderr).toMatch(/runtimeDir/);
    expect(failed?.stderr).toMatch(/SAGEMAKER_LOCAL_RUNTIME_DIR/);
  });
});
