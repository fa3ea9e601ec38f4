import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DemoError } from './errors.js';
import type { Reporter } from './progress.js';

/** Where Debian's `dataset-fashion-mnist` puts the IDX files (make_dataset.py's default `--source`). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_MNIST_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];
const INSTALL_COMMAND = 'apt-get install dataset-fashion-mnist';

/** The data set is missing and this process may not install it. */
export class DatasetMissingError extends DemoError {
  constructor(reason: string) {
    super(
      `Fashion-MNIST is missing at ${FASHION_MNIST_DIR}${reason}. Install it with: sudo ${INSTALL_COMMAND}`,
      'data',
    );
  }
}

export interface EnsureDatasetOptions {
  dir?: string;
  /** Who may run apt-get: defaults to "root on a machine that has apt-get". */
  canInstall?: boolean;
  /** Runs one command (tests replace it); default: execFileSync with the output shown. */
  exec?: (command: string, args: string[]) => void;
}

const defaultExec = (command: string, args: string[]) => {
  execFileSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
};

function hasApt(): boolean {
  return existsSync('/usr/bin/apt-get');
}

export function datasetPresent(dir = FASHION_MNIST_DIR): boolean {
  return FASHION_MNIST_FILES.every((file) => existsSync(join(dir, file)));
}

/**
 * Makes sure Fashion-MNIST is on this machine. When it is missing and we run as root with apt-get, installs
 * `dataset-fashion-mnist` (saying so first); otherwise fails with the one command that installs it.
 * Nothing is downloaded from anywhere but the machine's own Debian archive.
 */
export function ensureDataset(reporter: Reporter, options: EnsureDatasetOptions = {}): void {
  const dir = options.dir ?? FASHION_MNIST_DIR;
  if (datasetPresent(dir)) return;
  const canInstall = options.canInstall ?? (process.getuid?.() === 0 && hasApt());
  if (!canInstall) throw new DatasetMissingError(' (this process is not root, so it cannot install it)');
  const exec = options.exec ?? defaultExec;
  reporter.info(`Fashion-MNIST is missing: installing the Debian package dataset-fashion-mnist (${INSTALL_COMMAND})`);
  try {
    try {
      exec('apt-get', ['install', '-y', '-qq', 'dataset-fashion-mnist']);
    } catch {
      // A fresh machine may have no package lists yet.
      reporter.info('apt-get install failed; running apt-get update, then installing again');
      exec('apt-get', ['update', '-qq']);
      exec('apt-get', ['install', '-y', '-qq', 'dataset-fashion-mnist']);
    }
  } catch (error) {
    throw new DatasetMissingError(` and apt-get could not install it (${(error as Error).message.split('\n')[0]})`);
  }
  if (!datasetPresent(dir)) throw new DatasetMissingError(' even after apt-get installed dataset-fashion-mnist');
  reporter.info(`installed Fashion-MNIST at ${dir}`);
}
