import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root, found from this file's location. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The python interpreter of a venv made by `scripts/setup-python.sh <name>`.
 * Throws with the command to run when the venv is missing, so a test never silently skips.
 */
export function venvPython(name: 'ml' | 'parity' | 'labelstudio' | 'cfnlint'): string {
  const python = join(repoRoot, '.venvs', name, 'bin', 'python');
  if (!existsSync(python)) {
    throw new Error(`Python venv '${name}' is missing at ${python}: run 'bash scripts/setup-python.sh ${name}' first`);
  }
  return python;
}
