import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

const stepRecord = z.object({ completedAt: z.string(), outputs: z.record(z.string(), z.unknown()) });
const runStateSchema = z.object({
  version: z.literal(1),
  /** The profile and target the recorded steps were made with; another one starts over. */
  fingerprint: z.string(),
  steps: z.record(z.string(), stepRecord),
});
export type RunState = z.infer<typeof runStateSchema>;

/**
 * Which steps of the loop are done, with what they produced (written after each step, atomically),
 * so that a rerun of `all` resumes after the last completed step.
 */
export class RunStateStore {
  private state: RunState;

  constructor(
    readonly file: string,
    fingerprint: string,
  ) {
    this.state = { version: 1, fingerprint, steps: {} };
    try {
      const loaded = runStateSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      if (loaded.fingerprint === fingerprint) this.state = loaded;
    } catch {
      // No state yet, or an unreadable one: start from the beginning.
    }
  }

  completed(step: string): Record<string, unknown> | undefined {
    return this.state.steps[step]?.outputs;
  }

  record(step: string, outputs: Record<string, unknown>): void {
    this.state.steps[step] = { completedAt: new Date().toISOString(), outputs };
    this.save();
  }

  forget(step: string): void {
    delete this.state.steps[step];
    this.save();
  }

  reset(): void {
    this.state.steps = {};
    this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.state, null, 2)}\n`);
    renameSync(temporary, this.file);
  }
}
