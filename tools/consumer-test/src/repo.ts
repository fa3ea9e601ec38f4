import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root, found from this file's location. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The published packages: what another team installs. */
export const PUBLISHED = [
  'pipeline-sdk',
  'local',
  'endpoint-client',
  'deploy-config',
  'labeling-bridge',
  'cdk',
] as const;

/** Infrastructure code, not a runtime dependency of an app: the CDK constructs are proven by their own synth tests. */
export const NOT_IN_RUNTIME_CONSUMERS = new Set(['@sagemaker-mlops/cdk']);
export type Published = (typeof PUBLISHED)[number];

export const packageDir = (name: Published) => join(repoRoot, 'packages', name);
