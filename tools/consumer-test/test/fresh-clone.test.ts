/**
 * The README's front door, proven: a fresh clone of this working tree in a temporary folder, `npm ci` (offline from
 * the npm cache is fine), then the demo's tiny configuration exactly as apps/demo/README.md says
 * (`npm run demo -- --tiny all --no-serve`). Nothing is built or set up beforehand — the clone has no dist/, no
 * .venvs/ and no Nx cache — so a missing build or set-up step fails here.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sh } from '../src/consumer.js';
import { repoRoot } from '../src/repo.js';

let work: string | undefined;

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** The environment of a person's shell: no vitest variables leaking into the clone's own commands. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VITEST') && key !== 'NODE_ENV' && key !== 'TEST') env[key] = value;
  }
  return { ...env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true', CI: 'true' };
}

function npm(args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn('npm', args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    // A spawn that fails (a missing cwd, no npm on PATH) emits 'error' and may never emit 'close'.
    child.on('error', (error) => done({ code: -1, output: `${output}\n[spawn failed: ${error.message}]` }));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe.sequential('a fresh clone', () => {
  let clone: string;

  it('is a clone of the working tree (uncommitted changes to tracked files included) with nothing built', async () => {
    work = await mkdtemp(join(tmpdir(), 'sagemaker-mlops-clone-'));
    clone = join(work, 'repo');
    // `git stash create` makes a commit of the working tree without touching it (empty when it is clean).
    // Only a tree with changes needs one (CI's clean clone does not; there `git stash create` failed silently).
    const dirty = (await sh('git', ['status', '--porcelain', '--untracked-files=no'], repoRoot)).trim() !== '';
    const snapshot = dirty ? (await sh('git', ['stash', 'create'], repoRoot)).trim() || 'HEAD' : 'HEAD';
    const commit = (await sh('git', ['rev-parse', snapshot], repoRoot)).trim();
    await sh('git', ['clone', '--quiet', '--shared', '--no-checkout', repoRoot, clone], work);
    await sh('git', ['checkout', '--quiet', '--detach', commit], clone);
    expect(existsSync(join(clone, 'package.json'))).toBe(true);
    for (const absent of ['node_modules', 'packages/pipeline-sdk/dist', '.venvs', '.nx'])
      expect(existsSync(join(clone, absent)), absent).toBe(false);
  });

  it('npm ci', async () => {
    const result = await npm(['ci', '--prefer-offline', '--no-audit', '--no-fund'], clone, 900_000);
    expect(result.code, result.output.slice(-4_000)).toBe(0);
  }, 900_000);

  it('npm run demo -- --tiny all --no-serve runs the whole loop', async () => {
    const result = await npm(['run', 'demo', '--', '--tiny', 'all', '--no-serve'], clone, 1_800_000);
    expect(result.code, result.output.slice(-6_000)).toBe(0);
    expect(result.output).toContain('demo: building the packages it uses');
    for (const step of ['data', 'tune', 'pipeline', 'approve', 'deploy-staging', 'test-staging', 'deploy-prod'])
      expect(result.output, result.output.slice(-6_000)).toContain(`✔ ${step} (`);
    expect(result.output).toContain('The loop is done');
  }, 1_800_000);
});
