import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { standInModelTarball } from '@sagemaker-mlops/test-services';
import { NOT_IN_RUNTIME_CONSUMERS, PUBLISHED, repoRoot } from './repo.js';

const run = promisify(execFile);

/** Runs a command, failing with its output (not just the exit code) so a broken step says why. */
export async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run(command, args, {
      cwd,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    // The tail only: a minified bundle's stack trace prints whole lines of source.
    const output = `${e.stdout ?? ''}\n${e.stderr || e.message}`.slice(-4_000);
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${output}`);
  }
}

/** `npm pack` of every published package (their dist/ must be built); returns package name → tarball path. */
export async function packAll(destination: string): Promise<Record<string, string>> {
  await mkdir(destination, { recursive: true });
  const out = await sh(
    'npm',
    ['pack', '--json', '--pack-destination', destination, ...PUBLISHED.flatMap((p) => ['-w', `packages/${p}`])],
    repoRoot,
  );
  const packed = JSON.parse(out) as Array<{ name: string; filename: string }>;
  return Object.fromEntries(packed.map((p) => [p.name, join(destination, p.filename)]));
}

/** Newest versions our own builds use (the root lockfile's), so a consumer on them installs from the npm cache. */
export const CURRENT_SDK = {
  '@aws-sdk/client-s3': '^3.1175.0',
  '@aws-sdk/client-sagemaker': '^3.1142.0',
  '@aws-sdk/client-sagemaker-runtime': '^3.1164.0',
  '@aws-sdk/client-application-auto-scaling': '^3.1141.0',
};

/**
 * The oldest releases our peer range (^3.700.0) admits, per client (not every client is released with every
 * SDK version): a consumer pinned to these must compile, run, and get one copy of each client.
 */
export const OLDEST_SDK = {
  '@aws-sdk/client-s3': '3.700.0',
  '@aws-sdk/client-sagemaker': '3.706.0',
  '@aws-sdk/client-sagemaker-runtime': '3.716.0',
  '@aws-sdk/client-application-auto-scaling': '3.750.0',
};

export interface ConsumerOptions {
  tarballs: Record<string, string>;
  sdk: Record<string, string>;
  extraDependencies?: Record<string, string>;
}

/** A throwaway ESM project (`type: module`, tsconfig with node16 resolution) with the tarballs installed. */
export async function createConsumer(dir: string, options: ConsumerOptions): Promise<void> {
  await mkdir(dir, { recursive: true });
  const rootPackage = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const pkg = {
    name: 'consumer',
    private: true,
    type: 'module',
    dependencies: {
      ...Object.fromEntries(
        Object.entries(options.tarballs)
          .filter(([name]) => !NOT_IN_RUNTIME_CONSUMERS.has(name))
          .map(([name, path]) => [name, `file:${path}`]),
      ),
      ...options.sdk,
      ...options.extraDependencies,
    },
    devDependencies: {
      typescript: rootPackage.devDependencies.typescript,
      '@types/node': rootPackage.devDependencies['@types/node'],
    },
  };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'node16',
        moduleResolution: 'node16',
        strict: true,
        // Our .d.ts files are checked too, against whichever SDK version the consumer has.
        skipLibCheck: false,
        outDir: 'dist',
        types: ['node'],
      },
      include: ['src'],
    }),
  );
  const fixtures = join(repoRoot, 'tools', 'consumer-test', 'fixtures');
  await mkdir(join(dir, 'src'), { recursive: true });
  await cp(join(fixtures, 'app.ts'), join(dir, 'src', 'app.ts'));
  await cp(join(fixtures, 'app.cjs'), join(dir, 'app.cjs'));
  await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
}

/**
 * model.tar.gz of the shared stand-in model (tools/test-services): the label is the first byte of the request
 * modulo 3, so the consumer apps' request [4, 0, 0] is a "square".
 */
export async function modelTarball(dir: string): Promise<string> {
  return standInModelTarball({ version: '1', choose: 'first-byte', labels: ['circle', 'square', 'triangle'] }, dir);
}

/** Every installed copy of a package under a project's node_modules (nested copies included). */
export async function installedCopies(projectDir: string, name: string): Promise<string[]> {
  const out = await sh('npm', ['ls', name, '--all', '--parseable'], projectDir).catch(() => '');
  return [...new Set(out.split('\n').filter((line) => line.endsWith(`node_modules/${name}`)))];
}
