import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { metadata } from './errors.js';
import { readJson, writeFileAtomic } from './fsutil.js';

/**
 * One kind of SageMaker resource (models, endpoints, ...) kept as one JSON file per resource under
 * <stateDir>/sagemaker/<kind>/, so state survives restarts and is easy to inspect. Writes are atomic
 * (temp file + rename) and read-modify-write updates are serialized per resource within the process.
 */
export class ResourceStore<T extends object> {
  private readonly dir: string;
  private readonly tmpDir: string;
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Last value written, for resources only this process writes (running jobs, executions). */
  private readonly owned = new Map<string, T>();

  constructor(
    stateDir: string,
    readonly kind: string,
    private readonly options: { ownedWhileRunning?: boolean } = {},
  ) {
    this.dir = join(stateDir, 'sagemaker', kind);
    this.tmpDir = join(stateDir, 'tmp');
  }

  private file(name: string): string {
    return join(this.dir, `${encodeURIComponent(name)}.json`);
  }

  get(name: string): Promise<T | undefined> {
    return readJson<T>(this.file(name));
  }

  async put(name: string, value: T): Promise<void> {
    await writeFileAtomic(this.file(name), JSON.stringify(value, null, 1), this.tmpDir);
  }

  /** Stops serving reads of this resource from memory (call when this process no longer owns it). */
  release(name: string): void {
    this.owned.delete(name);
  }

  async delete(name: string): Promise<void> {
    await fs.rm(this.file(name), { force: true });
  }

  async list(): Promise<T[]> {
    let files: string[];
    try {
      files = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    const values: (T | undefined)[] = await Promise.all(
      files.filter((f) => f.endsWith('.json')).map((f) => readJson<T>(join(this.dir, f))),
    );
    return values.filter((v): v is T => v !== undefined);
  }

  /** Applies fn to the current value and stores the result, one update at a time per resource. */
  update(name: string, fn: (current: T | undefined) => T | Promise<T>): Promise<T> {
    const previous = this.chains.get(name) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const current =
          this.options.ownedWhileRunning && this.owned.has(name)
            ? structuredClone(this.owned.get(name))
            : await this.get(name);
        const value = await fn(current);
        await this.put(name, value);
        if (this.options.ownedWhileRunning) this.owned.set(name, structuredClone(value));
        return value;
      });
    this.chains.set(name, next);
    void next
      .finally(() => {
        if (this.chains.get(name) === next) this.chains.delete(name);
      })
      .catch(() => undefined);
    return next;
  }
}

/** The process that runs a job, execution or endpoint operation; recorded so another process leaves it alone. */
export const OWNER = 'LocalOwnerPid';

export function ownerAlive(record: { [OWNER]?: unknown }): boolean {
  const pid = Number(record[OWNER]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Dates are stored as ISO strings; the SDK's output shapes want Date objects. Local bookkeeping is dropped. */
/** A stored record as a Describe* response: dates revived, the owner marker dropped, response metadata added. */
export function described<T>(record: object): T {
  return { $metadata: metadata(200), ...revive(record) } as T;
}

export function revive<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), (key, v: unknown) => {
    if (key === OWNER) return undefined;
    if (typeof v === 'string' && /(Time|Date|Timestamp)$/.test(key) && /^\d{4}-\d\d-\d\dT/.test(v)) return new Date(v);
    return v;
  }) as T;
}
