import { spawn } from 'node:child_process';
import { DemoError } from './errors.js';

/**
 * Runs a Python script of apps/demo/ml on this machine (data preparation; jobs run through SageMaker or
 * local mode instead). Output lines go to `onLine`; a failure carries the last lines of output.
 */
export function runPython(
  python: string,
  args: string[],
  options: { step: string; cwd?: string; onLine?: (line: string) => void; env?: NodeJS.ProcessEnv },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      cwd: options.cwd,
      env: { ...process.env, PYTHONUNBUFFERED: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    let output = '';
    const consume = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        options.onLine?.(line);
      }
    };
    child.stdout.on('data', consume);
    child.stderr.on('data', consume);
    child.on('error', (error) =>
      reject(
        new DemoError(
          `cannot start ${python}: ${error.message}. Run \`bash scripts/setup-python.sh ml\`.`,
          options.step,
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new DemoError(`${args[0]} exited with ${code}:\n    ${tail.join('\n    ')}`, options.step));
    });
  });
}
