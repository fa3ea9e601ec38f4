/**
 * Node 20 is past end of life: every package's unit tests also run on Node 22 and 24, with the binaries of the
 * npm registry's `node` package (`npx -p node@22`). Node 20 runs them in each package's own `test` target.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/repo.js';

const run = promisify(execFile);
const vitest = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');

function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
}

/**
 * A package's unit tests: test/unit when it has one, else its tests outside test/integration and test/parity that
 * need no external service (moto, e2e). `local` is integration-only by nature: its in-process S3 and error tests.
 */
export function unitTests(pkgDir: string): string[] {
  const unit = testFiles(join(pkgDir, 'test', 'unit'));
  if (unit.length > 0) return unit.map((f) => relative(pkgDir, f));
  const files = testFiles(join(pkgDir, 'test'))
    .map((f) => relative(pkgDir, f))
    .filter((f) => !/^test\/(integration|parity)\//.test(f) && !/\.(e2e|moto)\.test\.ts$/.test(f));
  if (files.length > 0) return files;
  return ['test/integration/s3.test.ts', 'test/integration/errors.test.ts'].filter((f) => existsSync(join(pkgDir, f)));
}

const packages = readdirSync(join(repoRoot, 'packages')).sort();

describe.each(['22', '24'])('Node %s', (major) => {
  it('is the Node the tests run on', async () => {
    const { stdout } = await run('npx', ['-y', '-p', `node@${major}`, '--', 'node', '--version'], { cwd: repoRoot });
    expect(stdout.trim()).toMatch(new RegExp(`^v${major}\\.`));
  });

  it.each(packages)(`runs the unit tests of packages/%s`, async (name) => {
    const dir = join(repoRoot, 'packages', name);
    const files = unitTests(dir);
    expect(files.length, `packages/${name} has no unit tests`).toBeGreaterThan(0);
    const result = await run('npx', ['-y', '-p', `node@${major}`, '--', 'node', vitest, 'run', ...files], {
      cwd: dir,
      env: { ...process.env, NODE_NO_WARNINGS: '1', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`Node ${major}, packages/${name}: ${(error.stdout ?? '') + (error.stderr ?? '')}`.slice(-6_000));
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours from vitest's summary
    const summary = result.stdout.replace(/\u001b\[[0-9;]*m/g, '');
    expect(summary).toMatch(/Tests\s+\d+ passed/);
    expect(summary).not.toMatch(/failed/);
  });
});
