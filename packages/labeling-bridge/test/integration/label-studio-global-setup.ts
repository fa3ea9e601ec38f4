/**
 * vitest globalSetup: one real Label Studio per test run (headless, SQLite in a temp dir, a known legacy token,
 * 127.0.0.1, a free port). The first boot runs ~200 Django migrations (minutes on 2 cores); the migrated database is
 * kept as a template under ~/.cache/sagemaker-mlops so later runs boot in seconds from a copy.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, pollUntil, repoRoot, venvPython } from '@sagemaker-mlops/test-services';
// Brings moto's `motoEndpoint` into ProvidedContext for the typecheck of every test file.
import type {} from '@sagemaker-mlops/test-services/moto-global-setup';

declare module 'vitest' {
  export interface ProvidedContext {
    labelStudioUrl: string;
    labelStudioToken: string;
    labelStudioFilesRoot: string;
  }
}

const TOKEN = '0123456789abcdef0123456789abcdef01234567';

export default async function setup(project: TestProject) {
  // For quick runs of the suites that do not need it; tests that do then fail on the missing value, never skip.
  if (process.env.LABELING_BRIDGE_SKIP_LABEL_STUDIO === '1') return undefined;
  const python = venvPython('labelstudio');
  const bin = join(python, '..', 'label-studio');
  const requirements = readFileSync(
    join(repoRoot, 'packages/labeling-bridge/test/integration/requirements.txt'),
    'utf8',
  );
  const key = createHash('sha256')
    .update(requirements + TOKEN)
    .digest('hex')
    .slice(0, 16);
  const cache = join(
    process.env.SAGEMAKER_MLOPS_CACHE ?? join(homedir(), '.cache/sagemaker-mlops'),
    'labelstudio-template',
    key,
  );
  const template = join(cache, 'label_studio.sqlite3');
  const root = mkdtempSync(join(tmpdir(), 'labelstudio-'));
  const dataDir = join(root, 'data');
  const filesRoot = join(root, 'files');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(filesRoot, { recursive: true });
  const fromTemplate = existsSync(template);
  if (fromTemplate) copyFileSync(template, join(dataDir, 'label_studio.sqlite3'));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    bin,
    ['start', '--no-browser', '--port', String(port), '--internal-host', '127.0.0.1', '--data-dir', dataDir],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DJANGO_DB: 'sqlite',
        LABEL_STUDIO_BASE_DATA_DIR: dataDir,
        LABEL_STUDIO_USERNAME: 'test@example.com',
        LABEL_STUDIO_PASSWORD: 'testpass123',
        LABEL_STUDIO_USER_TOKEN: TOKEN,
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN: 'true',
        LOCAL_FILES_SERVING_ENABLED: 'true',
        LOCAL_FILES_DOCUMENT_ROOT: filesRoot,
        LATEST_VERSION_CHECK: 'false',
        // The ML backend and webhook receivers of the tests listen on 127.0.0.1, which LS 1.23 blocks by default.
        ML_BLOCK_LOCAL_IP: 'false',
        SSRF_PROTECTION_ENABLED: 'false',
        USE_DEFAULT_BANNED_SUBNETS: 'false',
        // The webhook receivers in the tests answer within this; LS 1.23 defaults to 10 s already.
        WEBHOOK_TIMEOUT: '30',
      },
    },
  );
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          try {
            process.kill(-(child.pid as number), 'SIGKILL');
          } catch {
            /* gone */
          }
          resolve();
        }, 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    rmSync(root, { recursive: true, force: true });
  };

  // Wait on the health check (or the process exiting), with the shared polling helper.
  const timeoutMs = fromTemplate ? 180_000 : 600_000;
  const outcome = await pollUntil(
    `label-studio to answer on ${url}/health`,
    async () => {
      if (child.exitCode !== null) return { exitCode: child.exitCode };
      try {
        const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
        return response.ok ? { exitCode: undefined } : undefined;
      } catch {
        return undefined; // not up yet
      }
    },
    { timeoutMs, intervalMs: 500 },
  ).catch(async (error: unknown) => {
    await stop();
    throw new Error(`label-studio did not answer on ${url}/health in time (${(error as Error).message}):\n${log}`);
  });
  if (outcome.exitCode !== undefined) {
    await stop();
    throw new Error(`label-studio exited with ${outcome.exitCode} before answering:\n${log}`);
  }
  if (!fromTemplate) {
    // Freshly migrated and idle: keep the database for the next runs.
    mkdirSync(cache, { recursive: true });
    const partial = `${template}.${process.pid}.tmp`;
    copyFileSync(join(dataDir, 'label_studio.sqlite3'), partial);
    renameSync(partial, template);
  }
  const check = await fetch(`${url}/api/projects/`, { headers: { authorization: `Token ${TOKEN}` } });
  if (!check.ok) {
    await stop();
    throw new Error(
      `label-studio is up but the known token is refused (HTTP ${check.status}); delete ${cache} and rerun`,
    );
  }
  project.provide('labelStudioUrl', url);
  project.provide('labelStudioToken', TOKEN);
  project.provide('labelStudioFilesRoot', filesRoot);
  return stop;
}
