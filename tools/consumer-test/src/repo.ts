import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root, found from this file's location. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The published packages: what another team installs. */
export const PUBLISHED = ['pipeline-sdk', 'local', 'endpoint-client', 'deploy-config', 'labeling-bridge'] as const;
export type Published = (typeof PUBLISHED)[number];

export const packageDir = (name: Published) => join(repoRoot, 'packages', name);
