import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { exists, uniqueSuffix } from './fsutil.js';

/** The absolute path of a command found on PATH, as the shell would run it. */
async function onPath(command: string): Promise<string | undefined> {
  if (command.includes('/')) return undefined;
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Folders whose python / python3 point at the interpreter standing for an image, put first on a job's PATH. */
export class PythonShims {
  private readonly shims = new Map<string, Promise<string | undefined>>();

  constructor(private readonly stateDir: string) {}

  /**
   * A folder whose python / python3 point at the interpreter standing for the image, put first on PATH. Found once
   * per interpreter and PATH: finding it walks PATH and stats the cache, a dozen file system calls every job
   * would otherwise wait for.
   */
  dirFor(command: string): Promise<string | undefined> {
    const key = `${command}\0${process.env.PATH ?? ''}`;
    let shim = this.shims.get(key);
    if (!shim) {
      shim = this.make(command);
      this.shims.set(key, shim);
      shim.catch(() => this.shims.delete(key));
    }
    return shim;
  }

  private async make(command: string): Promise<string | undefined> {
    const python = isAbsolute(command) ? command : await onPath(command);
    if (!python) return undefined;
    const dir = join(this.stateDir, 'cache', 'shims', createHash('sha1').update(python).digest('hex').slice(0, 12));
    if (await exists(join(dir, 'python3'))) return dir;
    // Build it aside and rename it into place, so concurrent jobs never see a half-made folder.
    const staging = join(this.stateDir, 'tmp', `shim-${uniqueSuffix()}`);
    await fs.mkdir(staging, { recursive: true });
    await fs.symlink(python, join(staging, 'python'));
    await fs.symlink(python, join(staging, 'python3'));
    await fs.mkdir(dirname(dir), { recursive: true });
    await fs.rename(staging, dir).catch(() => fs.rm(staging, { recursive: true, force: true }));
    return dir;
  }
}
