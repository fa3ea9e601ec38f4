import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  name: string;
  unit: string;
  ours: number;
  baseline: number | null;
  ratio: number | null;
  target: string;
  [extra: string]: unknown;
}

/** A short description of the machine a figure was measured on. */
export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}

/**
 * The commit the measured code is at, so `npm run bench:check` can tell when a result is older than its code.
 * Uncommitted changes are flagged: such a figure belongs to no commit, and the check treats it as stale.
 */
export function commitInfo(): { commit: string; uncommittedChanges?: true } {
  const cwd = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd,
    encoding: 'utf8',
  }).trim();
  if (dirty) console.error('bench: the working tree has uncommitted changes; the result is recorded as such');
  return dirty ? { commit, uncommittedChanges: true } : { commit };
}

/** Writes bench/results/<name>.json (with the commit it ran on) and prints it as the last line of output. */
export function writeResult(result: BenchResult): void {
  const full = { ...result, machine: (result.machine as string | undefined) ?? machine(), ...commitInfo() };
  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${result.name}.json`), `${JSON.stringify(full, null, 2)}\n`);
  console.log(JSON.stringify(full));
}

/** Percentile (0..100) of a list of numbers, by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
