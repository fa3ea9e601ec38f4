/**
 * `npm run bench -- demo-loop [--tiny]`: the whole `npm run demo` loop (local mode, a fresh state folder,
 * `all --no-serve`), timed, with the peak memory of all its processes together (the CLI, local mode's
 * job and endpoint processes), sampled from /proc every 250 ms.
 * Targets (default configuration): under 10 minutes and under 6 GB on the 2-core machine.
 * There is no baseline: the seed's loop needs an AWS account and a GPU instance.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
rmSync(stateDir, { recursive: true, force: true });
if (code !== 0) {
  console.error(`demo loop failed with exit code ${code}`);
  process.exit(code);
}
const peakGb = peak / 2 ** 30;
writeResult({
  name: tiny ? 'demo-loop-tiny' : 'demo-loop',
  unit: 's',
  ours: Math.round(seconds),
  baseline: null,
  ratio: null,
  target: tiny ? 'a few minutes (CI)' : '< 600 s and peak memory of all processes < 6 GB',
  peak_memory_gb: Math.round(peakGb * 100) / 100,
  configuration: tiny ? 'tiny' : 'default',
  met: tiny ? null : seconds < 600 && peakGb < 6,
  machine: machine(),
});
