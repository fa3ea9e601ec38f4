/**
 * `npm run bench:check`: fails when a benchmark result is older than the code it measures, so a figure in
 * bench/results cannot go stale silently. Each benchmark lists its sources below (what it runs, ours and the
 * baseline, and the harness); a result's `commit` must be at or after the last commit that changed any of them.
 * Prints each stale result with the changes it missed and the command that refreshes it. Needs git history
 * (a shallow clone cannot answer, and says so).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The demo loop runs every package and the demo's code: their sources, Python and manifests, not their tests,
 * READMEs or changesets. Entries starting with ':' are git pathspecs (globs, exclusions).
 */
const DEMO_LOOP_SOURCES = [
  'bench/demo-loop.ts',
  'apps/demo/src',
  'apps/demo/package.json',
  'apps/demo/ml',
  ':(exclude)apps/demo/ml/tests',
  ':(glob)packages/*/src/**',
  ':(glob)packages/*/python/**',
  ':(glob)packages/*/package.json',
];

/**
 * What each benchmark measures: paths (files or folders) relative to the repository root, or git pathspecs
 * (starting with ':'). A plain path that no longer exists is reported, so a move cannot silently empty the list.
 */
export const SOURCES: Record<string, { sources: string[]; rerun: string }> = {
  'endpoint-client': {
    sources: [
      'bench/endpoint-client.ts',
      'packages/endpoint-client/src',
      'packages/endpoint-client/test/support',
      'tools/test-services/stand-in-model',
      'packages/local/src',
      'packages/local/python',
    ],
    rerun: 'npm run bench -- endpoint-client',
  },
  'pipeline-compile': {
    sources: [
      'bench/pipeline-compile.ts',
      'packages/pipeline-sdk/src/core',
      'packages/pipeline-sdk/test/parity/requirements.txt',
    ],
    rerun: 'npm run bench -- pipeline-compile',
  },
  'local-overhead': {
    sources: ['bench/local-overhead.ts', 'packages/local/src', 'packages/local/python'],
    rerun: 'npm run bench -- local-overhead',
  },
  labeling: {
    sources: ['bench/labeling', 'packages/labeling-bridge/src', 'packages/endpoint-client/src'],
    rerun: 'npm run bench -- labeling',
  },
  'train-throughput': {
    sources: [
      'bench/train-throughput.ts',
      'apps/demo/ml/bench/train_throughput.py',
      'apps/demo/ml/train.py',
      'apps/demo/ml/common.py',
      'apps/demo/ml/requirements.txt',
    ],
    rerun: 'npm run bench -- train-throughput',
  },
  'fashion-accuracy': {
    sources: [
      'bench/fashion-accuracy.ts',
      'apps/demo/ml/bench/fashion_accuracy.py',
      'apps/demo/ml/make_dataset.py',
      'apps/demo/ml/preprocess.py',
      'apps/demo/ml/train.py',
      'apps/demo/ml/evaluate.py',
      'apps/demo/ml/common.py',
      'apps/demo/ml/requirements.txt',
    ],
    rerun: 'npm run bench -- fashion-accuracy --work-dir <a new folder>',
  },
  'demo-loop': { sources: DEMO_LOOP_SOURCES, rerun: 'npm run bench -- demo-loop' },
  'demo-loop-tiny': { sources: DEMO_LOOP_SOURCES, rerun: 'npm run bench -- demo-loop --tiny' },
};

/** Shared by every benchmark: how results are written. */
const COMMON_SOURCES = ['bench/lib'];

/**
 * Formatting-only commits change no measured behaviour: the house-style reformat, and any commit whose subject says
 * "formatting only" (the convention for such commits).
 */
const IGNORED_COMMITS = new Set(['a7b09aaf5800af93bb1759969ade35b3f3cfe92f']);
const FORMATTING_ONLY = /formatting only/i;

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
}

/** Listed plain paths that do not exist (pathspecs are git's to resolve). */
function missingSources(paths: string[]): string[] {
  return paths.filter((p) => !p.startsWith(':') && !existsSync(join(root, p)));
}

/** Commits after `since` (exclusive) that changed any of `paths`, newest first, formatting-only ones left out. */
function changesSince(since: string, paths: string[]): string[] {
  const out = git('log', '--format=%H %h %s', `${since}..HEAD`, '--', ...paths);
  return out
    .split('\n')
    .filter(Boolean)
    .filter((line) => !IGNORED_COMMITS.has(line.split(' ')[0] as string) && !FORMATTING_ONLY.test(line))
    .map((line) => line.slice(line.indexOf(' ') + 1));
}

/** Whether a repository path is one of `sources` (plain path prefixes, `:(glob)` patterns, `:(exclude)` prefixes). */
function isSource(path: string, sources: string[]): boolean {
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  const glob = (pattern: string) =>
    new RegExp(
      `^${pattern
        .split('**')
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
        .join('.*')}$`,
    ).test(path);
  let included = false;
  for (const source of sources) {
    if (source.startsWith(':(exclude)')) {
      if (under(source.slice(':(exclude)'.length))) return false;
    } else if (source.startsWith(':(glob)')) {
      included ||= glob(source.slice(':(glob)'.length));
    } else {
      included ||= under(source);
    }
  }
  return included;
}

/**
 * What the measured code is at `rev`: a hash of the paths and blob ids of every file of `sources` in that commit's
 * tree. Needs only that commit, so a shallow clone can compare HEAD with what a result was measured on.
 */
export function sourcesFingerprint(rev: string, sources: string[]): string {
  const listing = git('ls-tree', '-r', '--full-tree', rev)
    .split('\n')
    .filter((line) => isSource(line.slice(line.indexOf('\t') + 1), sources));
  return createHash('sha256').update(listing.join('\n')).digest('hex');
}

/**
 * bench/results/sources.lock: for each result, the fingerprint of its sources at the commit it ran on, written with
 * the full history (`npm run bench:check -- --write-lock`) and read where the history is shallow.
 */
const LOCK_PATH = join(root, 'bench', 'results', 'sources.lock');
type SourcesLock = Record<string, { commit: string; fingerprint: string }>;

function readLock(): SourcesLock {
  return existsSync(LOCK_PATH) ? (JSON.parse(readFileSync(LOCK_PATH, 'utf8')) as SourcesLock) : {};
}

export interface Freshness {
  name: string;
  fresh: boolean;
  problem?: string;
  missed?: string[];
  rerun: string;
}

export function checkAll(options: { writeLock?: boolean } = {}): Freshness[] {
  // With the full history a result is checked against every commit since it; in a shallow clone (CI often clones
  // one commit) against the fingerprint of its sources recorded in sources.lock.
  const shallow = git('rev-parse', '--is-shallow-repository') === 'true';
  if (shallow && options.writeLock) throw new Error('--write-lock needs the full history: run `git fetch --unshallow`');
  const lock = readLock();
  const newLock: SourcesLock = {};
  const resultsDir = join(root, 'bench', 'results');
  const results = readdirSync(resultsDir).filter((f) => f.endsWith('.json'));
  const report: Freshness[] = [];
  for (const file of results) {
    const name = file.replace(/\.json$/, '');
    const spec = SOURCES[name];
    if (!spec) {
      report.push({
        name,
        fresh: false,
        problem: `no sources listed for it in bench/check-fresh.ts`,
        rerun: '(add it to SOURCES)',
      });
      continue;
    }
    const result = JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as {
      commit?: unknown;
      uncommittedChanges?: unknown;
    };
    if (typeof result.commit !== 'string' || result.commit === '') {
      report.push({ name, fresh: false, problem: 'the result records no commit', rerun: spec.rerun });
      continue;
    }
    if (result.uncommittedChanges === true) {
      report.push({ name, fresh: false, problem: 'it was measured on uncommitted changes', rerun: spec.rerun });
      continue;
    }
    const sources = [...spec.sources, ...COMMON_SOURCES];
    if (shallow) {
      const locked = lock[name];
      if (!locked || locked.commit !== result.commit) {
        report.push({
          name,
          fresh: false,
          problem:
            'bench/results/sources.lock has no fingerprint for this result (run `npm run bench:check -- --write-lock` with the full history), and this shallow clone cannot look further back',
          rerun: spec.rerun,
        });
      } else if (sourcesFingerprint('HEAD', sources) !== locked.fingerprint) {
        report.push({
          name,
          fresh: false,
          problem: `what it measures changed since ${result.commit.slice(0, 7)} (fingerprint of its sources differs)`,
          rerun: spec.rerun,
        });
      } else {
        report.push({ name, fresh: true, rerun: spec.rerun });
      }
      continue;
    }
    try {
      git('cat-file', '-e', `${result.commit}^{commit}`);
    } catch {
      report.push({
        name,
        fresh: false,
        problem: `its commit ${result.commit} is not in this history`,
        rerun: spec.rerun,
      });
      continue;
    }
    const missing = missingSources([...spec.sources, ...COMMON_SOURCES]);
    if (missing.length > 0) {
      report.push({
        name,
        fresh: false,
        problem: `listed sources do not exist: ${missing.join(', ')} (update SOURCES in bench/check-fresh.ts)`,
        rerun: spec.rerun,
      });
      continue;
    }
    const missed = changesSince(result.commit, sources);
    const fingerprint = sourcesFingerprint(result.commit, sources);
    newLock[name] = { commit: result.commit, fingerprint };
    const locked = lock[name];
    if (
      missed.length === 0 &&
      !options.writeLock &&
      (locked?.commit !== result.commit || locked.fingerprint !== fingerprint)
    ) {
      report.push({
        name,
        fresh: false,
        problem: 'bench/results/sources.lock is out of date for this result: run `npm run bench:check -- --write-lock`',
        rerun: 'npm run bench:check -- --write-lock',
      });
      continue;
    }
    report.push({ name, fresh: missed.length === 0, missed, rerun: spec.rerun });
  }
  for (const name of Object.keys(SOURCES)) {
    if (!results.includes(`${name}.json`)) {
      report.push({ name, fresh: false, problem: 'no result file', rerun: SOURCES[name]?.rerun ?? '' });
    }
  }
  if (options.writeLock) writeFileSync(LOCK_PATH, `${JSON.stringify(newLock, null, 2)}\n`);
  return report;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const report = checkAll({ writeLock: process.argv.includes('--write-lock') });
  const stale = report.filter((r) => !r.fresh);
  for (const r of report.filter((x) => x.fresh)) console.log(`fresh  ${r.name}`);
  for (const r of stale) {
    console.log(`STALE  ${r.name}: ${r.problem ?? `older than ${r.missed?.length} change(s) to what it measures`}`);
    for (const change of (r.missed ?? []).slice(0, 5)) console.log(`         ${change}`);
    if ((r.missed?.length ?? 0) > 5) console.log(`         ... and ${(r.missed?.length ?? 0) - 5} more`);
    console.log(`       rerun: ${r.rerun}`);
  }
  if (stale.length > 0) {
    console.log(`${stale.length} of ${report.length} benchmark results are stale (see above).`);
    process.exit(1);
  }
  console.log(`all ${report.length} benchmark results are current.`);
}
