/**
 * `npm run bench -- train-throughput`: images per second of apps/demo/ml/train.py's training loop against a plain
 * PyTorch loop with the same model (resnet18, width 0.25, small-s2 stem), batch (128), data and loader, in one run
 * (alternating rounds, medians). Target: ratio >= 0.95. Needs `bash scripts/setup-python.sh ml`.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResult } from './lib/result.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const python = join(root, '.venvs', 'ml', 'bin', 'python');
const run = spawnSync(python, [join(root, 'apps/demo/ml/bench/train_throughput.py'), ...process.argv.slice(2)], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONWARNINGS: 'ignore' },
});
const line = run.stdout?.trim().split('\n').pop();
if (run.status !== 0 || !line) {
  console.error(
    `train_throughput.py failed (exit ${run.status}); is the ml venv built (bash scripts/setup-python.sh ml)?`,
  );
  process.exit(1);
}
const measured = JSON.parse(line) as Record<string, unknown> & {
  ours_images_per_sec: number;
  reference_images_per_sec: number;
  ratio: number;
};
writeResult({
  name: 'train-throughput',
  unit: 'images/s',
  ours: measured.ours_images_per_sec,
  baseline: measured.reference_images_per_sec,
  ratio: measured.ratio,
  target: 'ratio >= 0.95 (train.py loop vs plain PyTorch loop, same model, batch and data)',
  ...measured,
});
