/**
 * `npm run bench -- fashion-accuracy`: the full-quality configuration of apps/demo/ml (make_dataset -> preprocess ->
 * train -> evaluate, each as its own process) on Fashion-MNIST, on this machine's CPU. `ours` is the accuracy on the
 * official 10,000-image test split. Target >= 0.93 (published anchors: ResNet18 with augmentation about 0.949,
 * WRN-28-10 with random erasing about 0.963). Resumable: a rerun continues in apps/demo/ml/.bench-work/fashion-<hash>
 * (pass --work-dir <new folder> for a fresh run). Needs `bash scripts/setup-python.sh ml` and dataset-fashion-mnist.
 *
 * Model selection is on the validation split only: compare configurations with `-- --until train` (prints the best
 * validation accuracy, never reads the test split); the test split is read once, at the end, for `ours`.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResult } from './lib/result.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const python = join(root, '.venvs', 'ml', 'bin', 'python');
const run = spawnSync(python, [join(root, 'apps/demo/ml/bench/fashion_accuracy.py'), ...process.argv.slice(2)], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, PYTHONWARNINGS: 'ignore' },
});
const line = run.stdout?.trim().split('\n').pop();
if (process.argv.includes('--until') && run.status === 0 && line) {
  // A selection run (validation only): print it, and write no result, since no test accuracy was measured.
  console.log(line);
  process.exit(0);
}
if (run.status !== 0 || !line) {
  console.error(`fashion_accuracy.py failed (exit ${run.status}); see the run.log in its work folder`);
  process.exit(1);
}
const measured = JSON.parse(line) as Record<string, unknown> & { test_accuracy: number; wall_seconds: number };
writeResult({
  name: 'fashion-accuracy',
  unit: 'test accuracy (fraction)',
  ours: measured.test_accuracy,
  baseline: 0.949,
  ratio: Number((measured.test_accuracy / 0.949).toFixed(4)),
  target: '>= 0.93 (baseline: published ResNet18 with augmentation, about 0.949)',
  ...measured,
});
