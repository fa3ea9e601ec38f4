import { SingleBar } from 'cli-progress';

/** How the CLI talks to the person running it: step banners, progress bars, and a --json mode. */
export interface Reporter {
  step(index: number, total: number, name: string, description: string): void;
  info(message: string): void;
  done(name: string, summary: string, seconds: number): void;
  skipped(name: string, reason: string): void;
  /** A progress bar for countable work; `update` takes the amount done and an optional status text. */
  bar(total: number, label: string): { update(value: number, status?: string): void; stop(): void };
}

export function consoleReporter(options: { json?: boolean; stream?: NodeJS.WriteStream } = {}): Reporter {
  const stream = options.stream ?? process.stderr;
  const emit = (entry: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(entry)}\n`);
  const interactive = Boolean(stream.isTTY) && !options.json;
  return {
    step(index, total, name, description) {
      if (options.json) emit({ event: 'step', index, total, name, description });
      else stream.write(`\n[${index}/${total}] ${name}: ${description}\n`);
    },
    info(message) {
      if (options.json) emit({ event: 'info', message });
      else stream.write(`  ${message}\n`);
    },
    done(name, summary, seconds) {
      if (options.json) emit({ event: 'done', name, summary, seconds });
      else stream.write(`  ✔ ${name} (${seconds.toFixed(1)} s): ${summary}\n`);
    },
    skipped(name, reason) {
      if (options.json) emit({ event: 'skipped', name, reason });
      else stream.write(`  ↷ ${name}: ${reason}\n`);
    },
    bar(total, label) {
      if (!interactive) {
        // Non-terminals (CI logs) get a line per change of the status text, not a redrawn bar.
        let lastStatus = '';
        let lastQuarter = -1;
        return {
          update(value, status) {
            const quarter = total > 0 ? Math.floor((4 * value) / total) : 0;
            if ((status ?? '') === lastStatus && quarter === lastQuarter) return;
            lastStatus = status ?? '';
            lastQuarter = quarter;
            if (options.json) emit({ event: 'progress', label, value, total, status });
            else stream.write(`  ${label}: ${value}/${total}${status ? ` ${status}` : ''}\n`);
          },
          stop() {},
        };
      }
      const bar = new SingleBar({
        format: `  ${label} [{bar}] {value}/{total} {status}`,
        stream,
        hideCursor: true,
        clearOnComplete: false,
      });
      bar.start(total, 0, { status: '' });
      return {
        update(value, status) {
          bar.update(value, { status: status ?? '' });
        },
        stop() {
          bar.stop();
        },
      };
    },
  };
}
