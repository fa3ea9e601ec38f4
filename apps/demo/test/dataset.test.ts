import { writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetMissingError, datasetPresent, ensureDataset, FASHION_MNIST_DIR } from '../src/dataset.js';
import { recordingReporter } from './recording-reporter.js';

const FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

describe('ensureDataset', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'demo-dataset-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the Debian package on this machine (the demo and its tests need it)', () => {
    expect(datasetPresent(FASHION_MNIST_DIR), `run: apt-get install dataset-fashion-mnist`).toBe(true);
  });

  it('does nothing when the files are there', () => {
    const commands: string[] = [];
    return Promise.all(FILES.map((f) => writeFile(join(dir, f), ''))).then(() => {
      ensureDataset(recordingReporter([]), {
        dir,
        canInstall: true,
        exec: (c, a) => commands.push([c, ...a].join(' ')),
      });
      expect(commands).toEqual([]);
    });
  });

  it('fails with the exact command when it may not install', () => {
    const error = (() => {
      try {
        ensureDataset(recordingReporter([]), { dir, canInstall: false });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DatasetMissingError);
    expect((error as Error).message).toContain('sudo apt-get install dataset-fashion-mnist');
  });

  it('says it installs, runs apt-get update after a failed install, and checks the files afterwards', () => {
    const lines: string[] = [];
    const commands: string[] = [];
    ensureDataset(recordingReporter(lines), {
      dir,
      canInstall: true,
      exec: (command, args) => {
        commands.push([command, ...args].join(' '));
        if (commands.length === 1) throw new Error('E: Unable to locate package dataset-fashion-mnist');
        if (args[0] === 'install') for (const f of FILES) writeFileSync(join(dir, f), '');
      },
    });
    expect(commands).toEqual([
      'apt-get install -y -qq dataset-fashion-mnist',
      'apt-get update -qq',
      'apt-get install -y -qq dataset-fashion-mnist',
    ]);
    expect(lines[0]).toContain('installing the Debian package dataset-fashion-mnist');
  });

  it('fails when apt-get succeeds but the files are still missing', () => {
    expect(() => ensureDataset(recordingReporter([]), { dir, canInstall: true, exec: () => {} })).toThrow(
      /even after apt-get/,
    );
  });
});
