import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalModeConfigError } from './errors.js';

/** Environment variable that points at local mode's Python runtime (the package's python/ folder). */
export const RUNTIME_DIR_ENV = 'SAGEMAKER_LOCAL_RUNTIME_DIR';

const MARKER = join('sagemaker_local', 'serve.py');

function isRuntimeDir(dir: string): boolean {
  return existsSync(join(dir, MARKER));
}

/** Where this module runs from; in a bundle that is the bundle file (tsup shims import.meta.url in CJS). */
function moduleDir(): string | undefined {
  try {
    return dirname(fileURLToPath(import.meta.url));
  } catch {
    return undefined;
  }
}

/**
 * The folder holding local mode's Python runtime (python/ with sagemaker_local/serve.py, shipped in the npm
 * package). In order: the `runtimeDir` option, $SAGEMAKER_LOCAL_RUNTIME_DIR, the package's own folder (found
 * from this module, which also covers node_modules next to a bundle), then `@sagemaker-mlops/local` resolved
 * from the working directory. An app bundled without node_modules must ship that folder and name it.
 */
export function resolveRuntimeDir(explicit?: string): string {
  if (explicit !== undefined) {
    const dir = resolve(explicit);
    if (!isRuntimeDir(dir))
      throw new LocalModeConfigError(
        `LocalSageMaker.open: options.runtimeDir "${dir}" does not contain ${MARKER}; point it at the python/ folder of @sagemaker-mlops/local.`,
      );
    return dir;
  }
  const fromEnv = process.env[RUNTIME_DIR_ENV];
  if (fromEnv) {
    const dir = resolve(fromEnv);
    if (!isRuntimeDir(dir))
      throw new LocalModeConfigError(
        `$${RUNTIME_DIR_ENV} is "${dir}", which does not contain ${MARKER}; point it at the python/ folder of @sagemaker-mlops/local.`,
      );
    return dir;
  }
  const tried: string[] = [];
  let dir = moduleDir();
  for (let i = 0; dir && i < 6; i += 1) {
    for (const candidate of [join(dir, 'python'), join(dir, 'node_modules', '@sagemaker-mlops', 'local', 'python')]) {
      tried.push(candidate);
      if (isRuntimeDir(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  try {
    const manifest = createRequire(join(process.cwd(), 'package.json')).resolve('@sagemaker-mlops/local/package.json');
    const candidate = join(dirname(manifest), 'python');
    tried.push(candidate);
    if (isRuntimeDir(candidate)) return candidate;
  } catch {
    // not installed where the app runs; reported below
  }
  throw new LocalModeConfigError(
    `Local mode's Python runtime (python/${MARKER}) was not found (looked in ${tried.slice(0, 4).join(', ')}${tried.length > 4 ? ', ...' : ''}). ` +
      'This happens when an app is bundled without node_modules: copy node_modules/@sagemaker-mlops/local/python next to the bundle ' +
      `and pass LocalSageMaker.open({ runtimeDir: '<that folder>' }) or set $${RUNTIME_DIR_ENV}, or keep @sagemaker-mlops/local external to the bundle.`,
  );
}
