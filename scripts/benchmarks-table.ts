/**
 * Rebuilds the table in BENCHMARKS.md (between the markers) from bench/results/*.json,
 * so the figures in the docs are always the ones a benchmark last wrote.
 *   npx tsx scripts/benchmarks-table.ts
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');
const docPath = join(root, 'BENCHMARKS.md');
const begin = '<!-- results:begin -->';
const end = '<!-- results:end -->';

const format = (value: unknown): string => {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return String(value);
};

const rows = readdirSync(resultsDir)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as Record<string, unknown>)
  .map(
    (r) =>
      `| \`${format(r.name)}\` | ${format(r.ours)} | ${format(r.baseline)} | ${format(r.ratio)} | ${format(r.unit)} | ${format(r.target)} | ${format(r.machine)} | ${typeof r.commit === 'string' ? r.commit.slice(0, 7) : '—'} |`,
  );

const table = [
  begin,
  '| benchmark | ours | baseline | ratio | unit | target | machine | commit |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
  end,
].join('\n');

const doc = readFileSync(docPath, 'utf8');
const start = doc.indexOf(begin);
const stop = doc.indexOf(end);
if (start < 0 || stop < 0) throw new Error(`BENCHMARKS.md lacks the ${begin} / ${end} markers`);
writeFileSync(docPath, doc.slice(0, start) + table + doc.slice(stop + end.length));
console.log(`BENCHMARKS.md: ${rows.length} results`);
