import { execFile } from 'node:child_process';
import { lstatSync, promises as fs, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';
import { LocalModeConfigError } from './errors.js';

/**
 * How job and endpoint processes get SageMaker's container paths (/opt/ml/...):
 * - 'bubblewrap': each process runs in its own mount namespace (bwrap) where the job's folders are bound at
 *   /opt/ml/...; everything else of the machine is visible as usual. Scripts with literal /opt/ml paths work,
 *   two jobs never share a folder, and the host's /opt/ml is never touched.
 * - 'none': no private view. Paths in arguments and SM_* variables point at the job's folders, and a Python
 *   process that opens a /opt/ml path fails with an error naming the path and the fix (sagemaker_local/guard).
 * 'auto' (the default) uses bubblewrap where it runs (Linux with bwrap installed and namespaces allowed).
 */
export type ContainerIsolation = 'auto' | 'bubblewrap' | 'none';

export interface Bind {
  /** Folder on this machine. */
  host: string;
  /** Where the process sees it, e.g. /opt/ml or /opt/ml/model. */
  container: string;
}

export interface WrappedCommand {
  command: string;
  args: string[];
  /** Extra environment for the process (the /opt/ml guard where there is no private view). */
  env: Record<string, string>;
}

const CONTAINER_ROOT = '/opt/ml';

function mirror(path: string, args: string[]): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
  else if (stat.isDirectory() || stat.isFile()) args.push('--bind', path, path);
}

/**
 * The machine as the process sees it, as bwrap arguments (read once; it does not change): everything, except that
 * /opt is a fresh tmpfs holding the machine's /opt entries but not its /opt/ml. Binding / whole keeps the mount
 * count (and so the start-up cost) small; where there is no /opt to cover, the top level is mirrored entry by
 * entry instead, so bwrap never creates a folder on the machine.
 */
function hostViewArgs(): string[] {
  let opt: string[] | undefined;
  try {
    opt = readdirSync('/opt');
  } catch {
    opt = undefined;
  }
  const args: string[] = [];
  if (opt) {
    args.push('--dev-bind', '/', '/', '--tmpfs', '/opt');
  } else {
    for (const name of readdirSync('/')) if (name !== 'proc' && name !== 'dev') mirror(join('/', name), args);
    args.push('--dev-bind', '/dev', '/dev', '--proc', '/proc', '--dir', '/opt');
  }
  // The host's /opt/ml (if any) is left out: the process gets its own.
  for (const name of opt ?? []) if (name !== 'ml') mirror(join('/opt', name), args);
  return args;
}

export class ContainerView {
  #hostArgs: string[] | undefined;

  private constructor(
    readonly kind: 'bubblewrap' | 'none',
    /** Why there is no private view (shown in the guard's error). */
    readonly reason: string,
    private readonly runtimeDir: string,
  ) {}

  /** Probes bubblewrap once (a few ms) and picks the isolation. */
  static async create(mode: ContainerIsolation, runtimeDir: string): Promise<ContainerView> {
    if (mode === 'none') return new ContainerView('none', 'containerIsolation is "none"', runtimeDir);
    const probe = await probeBubblewrap();
    if (probe === true) return new ContainerView('bubblewrap', '', runtimeDir);
    if (mode === 'bubblewrap') {
      throw new LocalModeConfigError(
        `LocalSageMaker.open: containerIsolation "bubblewrap" was asked for, but bwrap cannot run here (${probe}). ` +
          'Install it (apt-get install bubblewrap), allow unprivileged user namespaces, or use containerIsolation: "auto".',
      );
    }
    return new ContainerView('none', probe, runtimeDir);
  }

  get isolated(): boolean {
    return this.kind === 'bubblewrap';
  }

  /**
   * Without a private view, what the machine's own /opt/ml holds (undefined with one: nothing can reach it). The
   * Python guard stops Python code from writing there, but a shell script or binary that builds a container path
   * itself is not stopped: comparing this before and after a job shows that it wrote there, so the job can fail
   * with a clear error instead of reporting success with its outputs on the host.
   */
  async hostSnapshot(): Promise<HostSnapshot | undefined> {
    if (this.kind !== 'none') return undefined;
    return snapshot(CONTAINER_ROOT);
  }

  /** A job's error when the machine's /opt/ml changed while it ran (undefined when it did not). */
  hostWriteError(before: HostSnapshot | undefined, after: HostSnapshot | undefined): string | undefined {
    if (!before || !after) return undefined;
    const changed = [...after].filter(([path, state]) => before.get(path) !== state).map(([path]) => path);
    const removed = [...before.keys()].filter((path) => !after.has(path));
    const paths = [...changed, ...removed].sort();
    if (paths.length === 0) return undefined;
    const shown = paths.slice(0, 5).join(', ') + (paths.length > 5 ? ` and ${paths.length - 5} more` : '');
    return (
      `ClientError: the machine's own /opt/ml changed while the job ran (${shown}). This machine gives jobs no ` +
      `private /opt/ml (${this.reason}), so a program that is not Python (a shell script, a binary) reaches the ` +
      "host's folder when it uses a container path itself; its outputs did not go to the job. Install bubblewrap " +
      "(apt-get install bubblewrap) so each job sees its own /opt/ml, or take the paths from the job's arguments " +
      "or SM_* environment variables (they point at the job's folder). Local mode left what was written in place."
    );
  }

  /**
   * The command line that runs `command args` with `binds` as its private container paths. Binds are applied in
   * order, so a folder bound at /opt/ml can be followed by narrower ones (/opt/ml/model).
   */
  wrap(
    command: string,
    args: string[],
    binds: Bind[],
    cwd?: string,
    options: { network?: boolean } = {},
  ): WrappedCommand {
    if (this.kind === 'none') {
      return {
        command,
        args,
        env: {
          PYTHONPATH: [join(this.runtimeDir, 'sagemaker_local', 'guard'), process.env.PYTHONPATH]
            .filter(Boolean)
            .join(':'),
          SAGEMAKER_LOCAL_GUARD_REASON: this.reason,
        },
      };
    }
    this.#hostArgs ??= hostViewArgs();
    const bindArgs = binds.flatMap((b) => ['--bind', b.host, b.container]);
    return {
      command: 'bwrap',
      args: [
        '--die-with-parent',
        // Network isolation: a network namespace of its own with only loopback, as an isolated container has.
        ...(options.network === false ? ['--unshare-net'] : []),
        ...this.#hostArgs,
        ...(binds.some((b) => b.container === CONTAINER_ROOT) ? [] : ['--dir', CONTAINER_ROOT]),
        ...bindArgs,
        ...(cwd ? ['--chdir', cwd] : []),
        '--',
        command,
        ...args,
      ],
      env: {},
    };
  }

  /**
   * bwrap reports a child killed by a signal as exit code 128 + signal; turn that back into the signal, so a
   * crashed job is told from a script's own error as without bwrap.
   */
  exitStatus(
    code: number | null,
    signal: NodeJS.Signals | null,
  ): { exitCode: number | null; signal: NodeJS.Signals | null } {
    if (this.kind !== 'bubblewrap' || signal || code === null || code <= 128 || code > 128 + 64) {
      return { exitCode: code, signal };
    }
    const name = Object.entries(osConstants.signals).find(([, n]) => n === code - 128)?.[0];
    return name ? { exitCode: null, signal: name as NodeJS.Signals } : { exitCode: code, signal };
  }
}

/** Path → kind, size and modification time of everything under a folder (empty when it does not exist). */
export type HostSnapshot = Map<string, string>;

/** More entries than a machine's /opt/ml plausibly holds; past it the comparison covers the first ones listed. */
const SNAPSHOT_LIMIT = 10_000;

async function snapshot(root: string): Promise<HostSnapshot> {
  const entries: HostSnapshot = new Map();
  const describe = async (path: string) => {
    try {
      const stat = await fs.lstat(path);
      entries.set(path, `${stat.isDirectory() ? 'dir' : 'file'}:${stat.size}:${stat.mtimeMs}`);
    } catch {
      // absent, or gone meanwhile
    }
  };
  // One round of file system calls when there is no /opt/ml (the usual case): its stat and listing together.
  const [names] = await Promise.all([
    fs.readdir(root, { recursive: true }).catch(() => [] as string[]),
    describe(root),
  ]);
  await Promise.all(names.slice(0, SNAPSHOT_LIMIT).map((name) => describe(join(root, name))));
  return entries;
}

/** true when `bwrap` can make a mount namespace here; otherwise why not. */
function probeBubblewrap(): Promise<true | string> {
  if (process.platform !== 'linux') return Promise.resolve(`${process.platform} has no mount namespaces`);
  return new Promise((resolve) => {
    execFile('bwrap', ['--dev-bind', '/', '/', '--', 'true'], { timeout: 10_000 }, (error, _stdout, stderr) => {
      if (!error) resolve(true);
      else if ((error as NodeJS.ErrnoException).code === 'ENOENT') resolve('bwrap is not installed');
      else resolve(`bwrap failed: ${String(stderr).trim() || error.message}`);
    });
  });
}
