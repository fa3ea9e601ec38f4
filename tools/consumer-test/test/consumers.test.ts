/**
 * The packages as another team gets them: `npm pack` tarballs installed into throwaway projects outside the
 * workspace, each running the short local-mode flow of fixtures/app.ts (pipeline upsert/start/wait → approve →
 * deploy staging → predict) as ESM compiled by tsc (node16 resolution), as CommonJS, and as an esbuild bundle;
 * and a project pinned to the oldest SDK releases our peer ranges admit, which must get one copy of each client.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CURRENT_SDK,
  createConsumer,
  installedCopies,
  modelTarball,
  OLDEST_SDK,
  packAll,
  sh,
} from '../src/consumer.js';
import { PUBLISHED, packageDir, repoRoot } from '../src/repo.js';

let work: string;
let tarballs: Record<string, string>;
let model: string;

interface FlowResult {
  pipeline: string;
  approved: boolean;
  endpoint: string;
  label: string;
  modelVersion: string;
}

async function runFlow(cwd: string, entry: string, stateName: string): Promise<FlowResult> {
  const out = await sh('node', [entry, join(cwd, stateName), model], cwd);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as FlowResult;
}

const EXPECTED: FlowResult = {
  pipeline: 'Succeeded',
  approved: true,
  endpoint: 'consumer-staging',
  label: 'square',
  modelVersion: '1',
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sagemaker-mlops-consumers-'));
  tarballs = await packAll(join(work, 'tarballs'));
  model = await modelTarball(work);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed tarballs', () => {
  it('hold LICENSE (Apache-2.0, the root file) and dist/', async () => {
    const license = await readFile(join(repoRoot, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
    for (const name of PUBLISHED) {
      const tarball = tarballs[`@sagemaker-mlops/${name}`];
      expect(tarball, name).toBeDefined();
      const files = (await sh('tar', ['-tzf', tarball as string], work)).split('\n');
      expect(files, name).toContain('package/LICENSE');
      expect(
        files.some((f) => f.startsWith('package/dist/')),
        name,
      ).toBe(true);
      expect(await readFile(join(packageDir(name), 'LICENSE'), 'utf8'), name).toBe(license);
    }
  });

  it('take the AWS SDK clients as wide peers, never as dependencies, and our own packages as ranges', async () => {
    for (const name of PUBLISHED) {
      const pkg = JSON.parse(await readFile(join(packageDir(name), 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      const sdkDeps = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@aws-sdk/'));
      expect(sdkDeps, name).toEqual([]);
      for (const [dep, range] of Object.entries(pkg.peerDependencies ?? {})) {
        if (dep.startsWith('@aws-sdk/')) {
          expect(range, `${name} → ${dep}`).toBe('^3.700.0');
          expect(pkg.devDependencies?.[dep], `${name} builds with ${dep}`).toBeDefined();
        }
      }
      for (const section of [pkg.dependencies, pkg.peerDependencies, pkg.devDependencies]) {
        for (const [dep, range] of Object.entries(section ?? {})) {
          if (dep.startsWith('@sagemaker-mlops/')) expect(range, `${name} → ${dep}`).not.toMatch(/^\d/);
        }
      }
    }
  });
});

describe('a consumer on the current SDK', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(work, 'current');
    await createConsumer(dir, { tarballs, sdk: CURRENT_SDK });
  });

  it('ESM with moduleResolution node16: tsc compiles it and the flow runs', async () => {
    await sh('node', [join(dir, 'node_modules/typescript/bin/tsc'), '-p', '.'], dir);
    expect(await runFlow(dir, 'dist/app.js', 'state-esm')).toEqual(EXPECTED);
  });

  it('CommonJS require: the flow runs', async () => {
    expect(await runFlow(dir, 'app.cjs', 'state-cjs')).toEqual(EXPECTED);
  });

  // Needs local mode to dispatch on the SDK's command classes, not `constructor.name` (minified to e.g. "PP"):
  // the @sagemaker-mlops/local dispatch fix makes this pass.
  it('an esbuild bundle (minified, class names mangled): the flow runs', async () => {
    await build({
      entryPoints: [join(dir, 'src/app.ts')],
      outfile: join(dir, 'bundle/app.mjs'),
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      absWorkingDir: dir,
      logLevel: 'error',
      // Bundled CommonJS dependencies call require(); an ESM bundle needs one.
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    });
    expect(await runFlow(dir, 'bundle/app.mjs', 'state-bundle')).toEqual(EXPECTED);
  });

  it('has one copy of each AWS SDK client', async () => {
    for (const client of Object.keys(CURRENT_SDK)) expect(await installedCopies(dir, client), client).toHaveLength(1);
  });
});

describe('a consumer pinned to the oldest supported SDK', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(work, 'oldest');
    await createConsumer(dir, { tarballs, sdk: OLDEST_SDK });
  });

  it('gets exactly those releases, one copy of each client (npm ls)', async () => {
    for (const [client, version] of Object.entries(OLDEST_SDK)) {
      const copies = await installedCopies(dir, client);
      expect(copies, client).toHaveLength(1);
      const installed = JSON.parse(await readFile(join(copies[0] as string, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect(installed.version, client).toBe(version);
    }
  });

  it('compiles (our .d.ts against the old SDK types) and runs the flow', async () => {
    await sh('node', [join(dir, 'node_modules/typescript/bin/tsc'), '-p', '.'], dir);
    expect(await runFlow(dir, 'dist/app.js', 'state-oldest')).toEqual(EXPECTED);
  });
});
