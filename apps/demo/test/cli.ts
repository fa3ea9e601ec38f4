import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const appRoot = join(import.meta.dirname, '..');

export interface CliResult {
  code: number | null;
  output: string;
}

/** Runs the demo CLI (`tsx src/cli.ts ...`) as a child process, as `npm run demo -- ...` does. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(appRoot, '../../node_modules/tsx/dist/cli.mjs'), join(appRoot, 'src/cli.ts'), ...args],
      {
        cwd: appRoot,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
