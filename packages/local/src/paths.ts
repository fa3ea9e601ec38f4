import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The package's python/ folder (shipped in the npm package), found from this module's location. */
export function pythonDir(): string {
  if (cached) return cached;
  // tsup shims import.meta.url in the CJS build (tsup.config.ts: shims).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    const candidate = join(dir, 'python');
    if (existsSync(join(candidate, 'sagemaker_local', 'serve.py'))) {
      cached = candidate;
      return candidate;
    }
    dir = dirname(dir);
  }
  throw new Error(
    '@sagemaker-mlops/local: the python/ folder with sagemaker_local/serve.py is missing from the installed package',
  );
}

export function pythonScript(name: string): string {
  return join(pythonDir(), 'sagemaker_local', name);
}
