import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaBundleMissingError } from './errors.js';

/** The root of an installed package, found through its `package.json` export. */
export function packageRoot(name: string): string {
  return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
}

/** This package's root: the first folder above this file whose package.json is ours (works from src/ and dist/). */
function ownRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === '@sagemaker-mlops/cdk') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new LambdaBundleMissingError('@sagemaker-mlops/cdk/dist/lambda-bundle');
    dir = parent;
  }
}

/** A folder of a built Lambda bundle; throws when it was not built. */
export function bundleDir(path: string, entry = 'index.mjs'): string {
  if (!existsSync(join(path, entry))) throw new LambdaBundleMissingError(join(path, entry));
  return path;
}

/** The deploy-on-approval Lambda built with this package. */
export function deployOnApprovalBundle(): string {
  return bundleDir(join(ownRoot(), 'dist', 'lambda-bundle', 'deploy-on-approval'));
}

/** labeling-bridge's self-contained webhook Lambda (its `dist/lambda-bundle`, published with it). */
export function webhookBridgeBundle(): string {
  return bundleDir(join(packageRoot('@sagemaker-mlops/labeling-bridge'), 'dist', 'lambda-bundle'));
}
