import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../context.js';
import { LabelStudioUnavailableError } from '../errors.js';

/**
 * Label Studio 1.23 refuses ML backend and webhook URLs that resolve to reserved networks ("URL resolves to a
 * reserved network address"). The demo's ML backend and bridge listen on 127.0.0.1, so the Label Studio it starts
 * keeps the protection on and bans every default subnet except loopback: it can reach this machine, never the
 * private networks or the cloud metadata address. These settings go only into that process's environment.
 */
const BANNED_EXCEPT_LOOPBACK = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '233.252.0.0/24',
  '240.0.0.0/4',
  '255.255.255.255/32',
  '::/128',
  '::ffff:0:0/96',
  '::ffff:0:0:0/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001:0000::/32',
  '2001:20::/28',
  '2001:db8::/32',
  '2002::/16',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];

/** The environment of the Label Studio the demo starts: local, headless-safe, nothing sent home. */
export function labelStudioEnvironment(
  dataDir: string,
  login: LabelStudioLogin,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return {
    ...base,
    DJANGO_DB: 'sqlite',
    LABEL_STUDIO_BASE_DATA_DIR: dataDir,
    // The user is created on the first start only; later starts keep it (and its token).
    LABEL_STUDIO_USERNAME: login.username,
    LABEL_STUDIO_PASSWORD: login.password,
    LABEL_STUDIO_USER_TOKEN: login.token,
    // Legacy tokens (`Authorization: Token …`) are what the ML backend setup call and this demo use.
    LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN: 'true',
    LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK: 'true',
    // No telemetry, no error reporting, no version check: the demo runs offline.
    COLLECT_ANALYTICS: 'false',
    SENTRY_DSN: '',
    FRONTEND_SENTRY_DSN: '',
    LATEST_VERSION_CHECK: 'false',
    FEATURE_FLAGS_OFFLINE: 'true',
    // Loopback only (see BANNED_EXCEPT_LOOPBACK).
    SSRF_PROTECTION_ENABLED: 'true',
    ML_BLOCK_LOCAL_IP: 'true',
    USE_DEFAULT_BANNED_SUBNETS: 'false',
    USER_ADDITIONAL_BANNED_SUBNETS: BANNED_EXCEPT_LOOPBACK.join(','),
  };
}

const loginSchema = z.object({
  username: z.string().email(),
  password: z.string().min(8),
  token: z.string().regex(/^[0-9a-f]{40}$/),
});
export type LabelStudioLogin = z.infer<typeof loginSchema>;

/** The login of the demo's Label Studio: made once (random password and token), kept beside its database. */
export function demoLogin(dataDir: string): LabelStudioLogin {
  const file = join(dataDir, 'demo-login.json');
  if (existsSync(file)) {
    const parsed = loginSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data;
  }
  const login = {
    username: 'demo@example.com',
    password: randomBytes(9).toString('base64url'),
    token: randomBytes(20).toString('hex'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  return login;
}

export interface LocalLabelStudio {
  url: string;
  login: LabelStudioLogin;
  close(): Promise<void>;
}

export function labelStudioBinary(): string {
  return join(repoRoot, '.venvs', 'labelstudio', 'bin', 'label-studio');
}

/**
 * Starts Label Studio from the project's venv on 127.0.0.1:`port` with SQLite under `dataDir` and waits until it
 * answers. The first start migrates the database (minutes on 2 cores); later starts take seconds.
 */
export async function startLocalLabelStudio(options: {
  dataDir: string;
  port: number;
  onProgress?: (message: string) => void;
  timeoutMs?: number;
}): Promise<LocalLabelStudio> {
  const binary = labelStudioBinary();
  if (!existsSync(binary)) {
    options.onProgress?.(
      'installing Label Studio (bash scripts/setup-python.sh labelstudio, from PyPI into a cached venv); once, a few minutes',
    );
    try {
      execFileSync('bash', [join(repoRoot, 'scripts/setup-python.sh'), 'labelstudio'], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    } catch (error) {
      throw new LabelStudioUnavailableError(
        `Label Studio could not be installed (bash scripts/setup-python.sh labelstudio: ${(error as Error).message}); fix that, or pass --label-studio-url and --label-studio-token for one you run yourself.`,
        { cause: error },
      );
    }
  }
  // Label Studio silently moves to the next port when this one is taken; the demo prints the URL, so it must know.
  await assertPortFree(options.port);
  const login = demoLogin(options.dataDir);
  const firstStart = !existsSync(join(options.dataDir, 'label_studio.sqlite3'));
  options.onProgress?.(
    firstStart
      ? `starting Label Studio on 127.0.0.1:${options.port}; the first start sets up its database (a few minutes)`
      : `starting Label Studio on 127.0.0.1:${options.port}`,
  );
  const child = spawn(
    binary,
    [
      'start',
      '--no-browser',
      '--port',
      String(options.port),
      '--internal-host',
      '127.0.0.1',
      '--data-dir',
      options.dataDir,
    ],
    {
      cwd: options.dataDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: labelStudioEnvironment(options.dataDir, login),
    },
  );
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-6_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${options.port}`;
  // Its own process group (Ctrl-C reaches only the demo, which then stops it in order); if the demo dies, it goes too.
  const orphanGuard = () => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.once('exit', orphanGuard);
  const close = async () => {
    process.off('exit', orphanGuard);
    await stopProcessGroup(child);
  };
  const deadline = Date.now() + (options.timeoutMs ?? (firstStart ? 900_000 : 180_000));
  for (;;) {
    if (child.exitCode !== null) {
      throw new LabelStudioUnavailableError(`Label Studio exited with code ${child.exitCode} while starting:\n${log}`);
    }
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await close();
      throw new LabelStudioUnavailableError(`Label Studio did not answer on ${url}/health in time:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return { url, login, close };
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', () =>
      reject(
        new LabelStudioUnavailableError(
          `port ${port} is in use: pick another with --label-studio-port, or pass --label-studio-url for a Label Studio that already runs`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}
