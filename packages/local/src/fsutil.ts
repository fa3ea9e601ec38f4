import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function uniqueSuffix(): string {
  return `${process.pid}-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

/**
 * Writes a file so that readers never see it half-written: the bytes go to a temporary file on the same
 * file system, then rename() puts them in place in one step.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, tmpDir: string): Promise<void> {
  await ensureDir(tmpDir);
  const tmp = join(tmpDir, `write-${uniqueSuffix()}`);
  await fs.writeFile(tmp, data);
  await ensureDir(dirname(path));
  try {
    await fs.rename(tmp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // The folder was removed meanwhile (an emptied S3 prefix): make it again once.
      madeDirs.delete(dirname(path));
      await ensureDir(dirname(path));
      try {
        await fs.rename(tmp, path);
        return;
      } catch (again) {
        await fs.rm(tmp, { force: true });
        throw again;
      }
    }
    await fs.rm(tmp, { force: true });
    throw error;
  }
}

// Folders this process made; writes are frequent and mkdir is a syscall each time.
const madeDirs = new Set<string>();

async function ensureDir(dir: string): Promise<void> {
  if (madeDirs.has(dir)) return;
  await fs.mkdir(dir, { recursive: true });
  if (madeDirs.size > 10_000) madeDirs.clear();
  madeDirs.add(dir);
}

const STALE_LOCK_MS = 30_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs fn while holding an exclusive lock file. The claim is open(O_CREAT|O_EXCL), which the kernel makes
 * atomic across processes; a lock left by a dead process (or older than 30 s) is broken.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(dirname(lockPath), { recursive: true });
  let delay = 1;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      await breakStaleLock(lockPath);
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 50);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}

async function breakStaleLock(lockPath: string): Promise<void> {
  try {
    const [content, stat] = await Promise.all([fs.readFile(lockPath, 'utf8'), fs.stat(lockPath)]);
    const pid = Number(content);
    const dead = content !== '' && Number.isInteger(pid) && pid > 0 && !processAlive(pid);
    if (dead || Date.now() - stat.mtimeMs > STALE_LOCK_MS) await fs.rm(lockPath, { force: true });
  } catch {
    // The lock vanished meanwhile or is being written: try again.
  }
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
