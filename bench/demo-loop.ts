/**
 * `npm run bench -- demo-loop [--tiny]`: the whole `npm run demo` loop (local mode, a fresh state folder,
 * `all --no-serve`), timed, with the peak memory of all its processes together (the CLI, local mode's
 * job and endpoint processes), sampled from /proc every 250 ms.
 * Afterwards (not timed) it scores the registered model on the official 10,000-image Fashion-MNIST test split.
 * Targets (default configuration): under 10 minutes, under 6 GB, test accuracy >= 0.88 on the 2-core machine;
 * tiny: test accuracy >= 0.5. There is no baseline: the seed's loop needs an AWS account and a GPU instance.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { machine, writeResult } from './lib/result.js';

const tiny = process.argv.includes('--tiny');
const repo = join(import.meta.dirname, '..');
const stateDir = mkdtempSync(join(tmpdir(), 'demo-loop-bench-'));

/** Resident memory (bytes) of a process and all its descendants, from /proc. */
function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const pages = Number(fields[21]);
      const pid = Number(entry);
      rss.set(pid, pages * 4096);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop() as number;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

const started = performance.now();
const child = spawn(
  process.execPath,
  [
    join(repo, 'node_modules/tsx/dist/cli.mjs'),
    join(repo, 'apps/demo/src/cli.ts'),
    ...(tiny ? ['--tiny'] : []),
    '--state-dir',
    stateDir,
    'all',
    '--no-serve',
  ],
  { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] },
);
let peak = 0;
const sampler = setInterval(() => {
  if (child.pid) peak = Math.max(peak, treeRss(child.pid));
}, 250);
const code: number = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
clearInterval(sampler);
const seconds = (performance.now() - started) / 1000;
if (code !== 0) {
  rmSync(stateDir, { recursive: true, force: true });
  console.error(`demo loop failed with exit code ${code}`);
  process.exit(code);
}
const accuracy = scoreModel();
rmSync(stateDir, { recursive: true, force: true });
const peakGb = peak / 2 ** 30;
const minAccuracy = tiny ? 0.5 : 0.88;
writeResult({
  name: tiny ? 'demo-loop-tiny' : 'demo-loop',
  unit: 's',
  ours: Math.round(seconds),
  baseline: null,
  ratio: null,
  target: tiny
    ? 'a few minutes (CI); test accuracy >= 0.5'
    : '< 600 s, peak memory of all processes < 6 GB, test accuracy >= 0.88 (official test split)',
  peak_memory_gb: Math.round(peakGb * 100) / 100,
  ...accuracy,
  configuration: tiny ? 'tiny' : 'default',
  met: tiny
    ? accuracy.test_accuracy >= minAccuracy
    : seconds < 600 && peakGb < 6 && accuracy.test_accuracy >= minAccuracy,
  machine: machine(),
});

/**
 * The trained model's accuracy on the official test split (apps/demo/ml/bench/official_test_accuracy.py), the
 * pipeline's own test-split accuracy (evaluation.json) and the staging endpoint test's, from the state folder.
 */
function scoreModel(): { test_accuracy: number; pipeline_test_accuracy: number; endpoint_test_accuracy: number } {
  const models = join(stateDir, 's3', 'sagemaker-mlops-demo', 'sagemaker-mlops-demo', 'models');
  const archive = findFile(models, 'model.tar.gz');
  if (!archive) throw new Error(`no model.tar.gz under ${models}`);
  const official = JSON.parse(
    execFileSync(
      join(repo, '.venvs/ml/bin/python'),
      [join(repo, 'apps/demo/ml/bench/official_test_accuracy.py'), '--model-dir', dirname(archive)],
      {
        encoding: 'utf8',
        env: { ...process.env, PYTHONWARNINGS: 'ignore' },
      },
    )
      .trim()
      .split('\n')
      .pop() as string,
  ) as { test_accuracy: number };
  const workDir = join(stateDir, 'demo', 'local');
  const reports = join(workDir, 'reports');
  const evaluation = findFile(reports, 'evaluation.json');
  if (!evaluation) throw new Error(`no evaluation.json under ${reports}`);
  const state = JSON.parse(readFileSync(join(workDir, 'run-state.json'), 'utf8')) as {
    steps: Record<string, { outputs?: { accuracy?: number } }>;
  };
  return {
    test_accuracy: Math.round(official.test_accuracy * 10_000) / 10_000,
    pipeline_test_accuracy:
      Math.round(
        JSON.parse(readFileSync(evaluation, 'utf8')).multiclass_classification_metrics.accuracy.value * 10_000,
      ) / 10_000,
    endpoint_test_accuracy: state.steps['test-staging']?.outputs?.accuracy ?? Number.NaN,
  };
}

function findFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const hit = findFile(path, name);
      if (hit) return hit;
    } else if (entry.name === name) return path;
  }
  return undefined;
}
