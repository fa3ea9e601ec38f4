import { mkdtemp, mkdir, rm, utimes, writeFile, symlink, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageSourceDir, SourceDirError } from '../../../src/assets/index.js';

interface RawEntry {
  path: string;
  type: string;
  mtime: number;
  uid: string;
  gid: string;
  uname: string;
  gname: string;
}

/** Reads ustar headers straight from the bytes, so the test sees exactly what a container's tar sees. */
function entriesOf(archive: Buffer): RawEntry[] {
  const raw = gunzipSync(archive);
  const field = (block: Buffer, offset: number, length: number) =>
    block
      .subarray(offset, offset + length)
      .toString('latin1')
      .replace(/\0.*$/s, '');
  const out: RawEntry[] = [];
  let offset = 0;
  while (offset + 512 <= raw.length) {
    const block = raw.subarray(offset, offset + 512);
    if (block.every((b) => b === 0)) break;
    const name = field(block, 0, 100);
    const prefix = field(block, 345, 155);
    const size = parseInt(field(block, 124, 12).trim() || '0', 8);
    out.push({
      path: prefix ? `${prefix}/${name}` : name,
      type: field(block, 156, 1) === '5' ? 'Directory' : 'File',
      mtime: parseInt(field(block, 136, 12).trim() || '0', 8),
      uid: field(block, 108, 8).trim(),
      gid: field(block, 116, 8).trim(),
      uname: field(block, 265, 32),
      gname: field(block, 297, 32),
    });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

async function makeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

describe('packageSourceDir', () => {
  let dirA: string;
  let dirB: string;
  beforeEach(async () => {
    dirA = await mkdtemp(join(tmpdir(), 'srcdir-a-'));
    dirB = await mkdtemp(join(tmpdir(), 'srcdir-b-'));
  });
  afterEach(async () => {
    await rm(dirA, { recursive: true, force: true });
    await rm(dirB, { recursive: true, force: true });
  });

  const tree = {
    'train.py': 'print("train")\n',
    'lib/model.py': 'class Net: pass\n',
    'lib/__init__.py': '',
    'requirements.txt': 'timm\n',
  };

  it('gives the same bytes for the same content, whatever the mtimes and creation order', async () => {
    await makeTree(dirA, tree);
    // Other creation order and other mtimes in the second copy.
    await makeTree(dirB, Object.fromEntries(Object.entries(tree).reverse()));
    await utimes(join(dirB, 'train.py'), new Date('2020-01-01'), new Date('2020-01-01'));
    const a = await packageSourceDir({ sourceDir: dirA, entryPoint: 'train.py' });
    const b = await packageSourceDir({ sourceDir: dirB, entryPoint: 'train.py' });
    expect(a.sha256).toBe(b.sha256);
    expect(a.archive.equals(b.archive)).toBe(true);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes the hash when a file changes', async () => {
    await makeTree(dirA, tree);
    await makeTree(dirB, { ...tree, 'lib/model.py': 'class Net: x = 1\n' });
    const a = await packageSourceDir({ sourceDir: dirA, entryPoint: 'train.py' });
    const b = await packageSourceDir({ sourceDir: dirB, entryPoint: 'train.py' });
    expect(a.sha256).not.toBe(b.sha256);
  });

  it('writes sorted entries at the archive root with mtime 0 and no owners', async () => {
    await makeTree(dirA, tree);
    const packaged = await packageSourceDir({ sourceDir: dirA, entryPoint: 'train.py' });
    // It is a real gzip stream.
    expect(gunzipSync(packaged.archive).length % 512).toBe(0);
    const entries = entriesOf(packaged.archive);
    expect(entries.map((e) => e.path)).toEqual([
      'lib/',
      'lib/__init__.py',
      'lib/model.py',
      'requirements.txt',
      'train.py',
    ]);
    for (const entry of entries) {
      expect(entry).toMatchObject({ mtime: 0, uid: '', gid: '', uname: '', gname: '' });
    }
    expect(packaged.files).toEqual(['lib/__init__.py', 'lib/model.py', 'requirements.txt', 'train.py']);
    expect(packaged.entryPoint).toBe('train.py');
  });

  it('leaves out caches and VCS folders by default, and extra patterns by name or path', async () => {
    await makeTree(dirA, {
      ...tree,
      '__pycache__/train.cpython-311.pyc': 'x',
      'lib/__pycache__/model.cpython-311.pyc': 'x',
      'lib/old.pyc': 'x',
      '.git/HEAD': 'ref',
      'logs/run.log': 'x',
      'tests/fixtures/big.bin': 'x',
      'tests/test_model.py': 'x',
    });
    const packaged = await packageSourceDir({
      sourceDir: dirA,
      entryPoint: 'train.py',
      ignore: ['*.log', 'tests/fixtures'],
    });
    expect(packaged.files).toEqual([
      'lib/__init__.py',
      'lib/model.py',
      'requirements.txt',
      'tests/test_model.py',
      'train.py',
    ]);
    // An ignored cache does not change the hash.
    await makeTree(dirB, { ...tree, 'tests/test_model.py': 'x' });
    const clean = await packageSourceDir({ sourceDir: dirB, entryPoint: 'train.py' });
    expect(clean.sha256).toBe(packaged.sha256);
  });

  it('follows symlinks (as the Python SDK does) and keeps entry points in subfolders', async () => {
    await makeTree(dirA, tree);
    await makeTree(dirB, { 'shared.py': 'X = 1\n' });
    await symlink(join(dirB, 'shared.py'), join(dirA, 'lib', 'shared.py'));
    await chmod(join(dirA, 'train.py'), 0o755);
    const packaged = await packageSourceDir({ sourceDir: dirA, entryPoint: './lib/model.py' });
    expect(packaged.entryPoint).toBe('lib/model.py');
    const entries = entriesOf(packaged.archive);
    expect(entries.find((e) => e.path === 'lib/shared.py')?.type).toBe('File');
  });

  it('names the folder and the problem when the entry point is missing, ignored or outside', async () => {
    await makeTree(dirA, { ...tree, 'debug.log': 'x' });
    await expect(packageSourceDir({ sourceDir: dirA, entryPoint: 'serve.py' })).rejects.toThrow(
      /entryPoint 'serve.py' is not in the archive \(missing or ignored\); files found: debug.log, lib\/__init__.py/,
    );
    await expect(
      packageSourceDir({ sourceDir: dirA, entryPoint: 'debug.log', ignore: ['*.log'] }),
    ).rejects.toBeInstanceOf(SourceDirError);
    await expect(packageSourceDir({ sourceDir: dirA, entryPoint: '../x.py' })).rejects.toThrow(
      /must be a file inside the folder/,
    );
    const missing = join(dirA, 'nope');
    await expect(packageSourceDir({ sourceDir: missing, entryPoint: 'train.py' })).rejects.toThrow(
      `source folder ${missing}: does not exist`,
    );
    await expect(packageSourceDir({ sourceDir: join(dirA, 'train.py'), entryPoint: 'train.py' })).rejects.toThrow(
      /is not a folder/,
    );
  });
});
