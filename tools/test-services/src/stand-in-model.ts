/**
 * The one stand-in model of the test suites (stand-in-model/code/inference.py): a stdlib-only classifier with the
 * PyTorch container's handlers and the demo's inference contract, whose behaviour each test picks in model.json
 * (how the label is chosen, a cold start, a service time, a broken load). This packs it as SageMaker's
 * model.tar.gz: model.json and code/inference.py at the root.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** The stand-in's code folder (code/inference.py). */
export const standInModelCode = join(repoRoot, 'tools', 'test-services', 'stand-in-model', 'code');

/** How the label is chosen; see the header of stand-in-model/code/inference.py. */
export type StandInModelConfig = {
  /** Answered as model_version. */
  version: string;
  /** Refuse bodies that are not PNG images. */
  png_only?: boolean;
  /** Round the probabilities to this many digits. */
  round_digits?: number;
  /** model_fn raises: a model whose endpoint fails to start. */
  fail_to_load?: boolean;
  /** Seconds model_fn sleeps (a cold start); the env variable STAND_IN_COLD_START_S overrides it. */
  cold_start_s?: number;
  /** Seconds predict_fn sleeps per request; the env variable STAND_IN_SERVICE_TIME_S overrides it. */
  service_time_s?: number;
} & (
  | { choose: 'brightness'; centroids: Record<string, number>; temperature?: number }
  | { choose: 'length' | 'first-byte'; labels: string[]; top?: number }
  | { choose: 'hash'; labels: string[] }
);

/** Writes model.tar.gz of the stand-in with this model.json into `dir` (a new temp folder by default). */
export function standInModelTarball(config: StandInModelConfig, dir?: string): string {
  const out = dir ?? mkdtempSync(join(tmpdir(), 'stand-in-model-'));
  const staging = mkdtempSync(join(tmpdir(), 'stand-in-model-src-'));
  mkdirSync(join(staging, 'code'), { recursive: true });
  cpSync(join(standInModelCode, 'inference.py'), join(staging, 'code', 'inference.py'));
  writeFileSync(join(staging, 'model.json'), JSON.stringify(config));
  const tarball = join(out, 'model.tar.gz');
  execFileSync('tar', ['-czf', tarball, '-C', staging, 'model.json', 'code']);
  return tarball;
}

/** The stand-in's model.tar.gz as bytes, for a PutObject. */
export function standInModelArchive(config: StandInModelConfig): Buffer {
  return readFileSync(standInModelTarball(config));
}
