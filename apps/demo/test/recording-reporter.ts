import type { Reporter } from '../src/progress.js';

/** A Reporter for tests: every `info` line is appended to `lines`; steps, summaries and progress bars are dropped. */
export function recordingReporter(lines: string[]): Reporter {
  return {
    step: () => {},
    info: (message) => lines.push(message),
    done: () => {},
    skipped: () => {},
    bar: () => ({ update: () => {}, stop: () => {} }),
  };
}
