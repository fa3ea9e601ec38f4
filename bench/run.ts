/**
 * `npm run bench -- <name>`: runs bench/<name>.ts (or bench/<name>/index.ts).
 * Each benchmark compares ours and a baseline side by side in one run, writes bench/results/<name>.json
 * and prints that JSON as its last line. Benchmarks are not tests and are never timed in CI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(benchDir)
  .filter((entry) => !['lib', 'results', 'run.ts', 'check-fresh.ts', 'project.json'].includes(entry))
  .map((entry) => entry.replace(/\.ts$/, ''))
  .sort();

const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [args]\navailable: ${available.join(', ') || '(none yet)'}`);
  process.exit(2);
}
const file = existsSync(join(benchDir, `${name}.ts`)) ? join(benchDir, `${name}.ts`) : join(benchDir, name, 'index.ts');
const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...process.argv.slice(3)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
