import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, posix, relative, resolve, sep } from 'node:path';
import { create as createTar } from 'tar';
import { SourceDirError } from './errors.js';

/**
 * Left out of every archive: caches and VCS folders that change between machines and would change the
 * content hash (and so force a re-upload) without changing what runs.
 */
export const DEFAULT_IGNORE_PATTERNS: readonly string[] = [
  '__pycache__',
  '*.pyc',
  '*.pyo',
  '.git',
  '.hg',
  '.svn',
  '.DS_Store',
  '.ipynb_checkpoints',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
];

export interface PackageSourceDirOptions {
  /** Folder whose contents become the archive root (as the Python SDK's `source_dir`). */
  readonly sourceDir: string;
  /** Script the container runs, relative to `sourceDir` (`train.py`, `src/serve.py`). */
  readonly entryPoint: string;
  /**
   * Extra patterns to leave out, added to DEFAULT_IGNORE_PATTERNS. A pattern without `/` matches any file
   * or folder name at any depth (`*.log`, `data`); one with `/` matches the path from `sourceDir` (`tests/fixtures`).
   * `*` and `?` do not cross `/`.
   */
  readonly ignore?: readonly string[];
  /** Replace DEFAULT_IGNORE_PATTERNS instead of adding to them. */
  readonly replaceDefaultIgnore?: boolean;
}

export interface PackagedSourceDir {
  /** The gzipped tar: same content gives the same bytes (sorted entries, mtime 0, no owners). */
  readonly archive: Buffer;
  /** Hex SHA-256 of `archive`. */
  readonly sha256: string;
  /** Files in the archive, archive paths, sorted. */
  readonly files: readonly string[];
  /** Entry point as the container sees it (POSIX separators). */
  readonly entryPoint: string;
}

// Fixed mtime: archives of the same content must hash the same on every machine and checkout.
const FIXED_MTIME = new Date(0);

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

function ignoreMatcher(patterns: readonly string[]): (path: string, name: string) => boolean {
  const compiled = patterns.map((pattern) => {
    const trimmed = pattern.replace(/^\/+|\/+$/g, '');
    return { byPath: trimmed.includes('/'), regex: globToRegExp(trimmed) };
  });
  return (path, name) => compiled.some(({ byPath, regex }) => regex.test(byPath ? path : name));
}

async function walk(
  root: string,
  ignored: (path: string, name: string) => boolean,
): Promise<{ dirs: string[]; files: string[] }> {
  const dirs: string[] = [];
  const files: string[] = [];
  async function visit(relativeDir: string): Promise<void> {
    const entries = await readdir(join(root, relativeDir), { withFileTypes: true });
    for (const entry of entries) {
      const archivePath = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      if (ignored(archivePath, entry.name)) continue;
      // stat (not lstat): symlinks are followed, as the Python SDK's tarfile(dereference=True) does.
      const info = await stat(join(root, archivePath));
      if (info.isDirectory()) {
        dirs.push(archivePath);
        await visit(archivePath);
      } else if (info.isFile()) {
        files.push(archivePath);
      }
    }
  }
  await visit('');
  return { dirs, files };
}

/**
 * Packages a source folder as `sourcedir.tar.gz` for the SageMaker framework containers, which
 * extract it and run `entryPoint` from its root. Deterministic, so its SHA-256 can name the S3 object.
 */
export async function packageSourceDir(options: PackageSourceDirOptions): Promise<PackagedSourceDir> {
  const sourceDir = resolve(options.sourceDir);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(sourceDir);
  } catch (error) {
    throw new SourceDirError(sourceDir, 'does not exist or cannot be read', { cause: error });
  }
  if (!info.isDirectory()) throw new SourceDirError(sourceDir, 'is not a folder');

  const entryPoint = relative(sourceDir, resolve(sourceDir, options.entryPoint)).split(sep).join('/');
  if (entryPoint === '..' || entryPoint.startsWith('../') || posix.isAbsolute(entryPoint) || entryPoint === '') {
    throw new SourceDirError(sourceDir, `entryPoint '${options.entryPoint}' must be a file inside the folder`);
  }

  const patterns = [
    ...(options.replaceDefaultIgnore === true ? [] : DEFAULT_IGNORE_PATTERNS),
    ...(options.ignore ?? []),
  ];
  const { dirs, files } = await walk(sourceDir, ignoreMatcher(patterns));
  if (!files.includes(entryPoint)) {
    const hint =
      files.length > 0
        ? `files found: ${files.slice(0, 20).join(', ')}${files.length > 20 ? ', ...' : ''}`
        : 'the folder has no files';
    throw new SourceDirError(
      sourceDir,
      `entryPoint '${entryPoint}' is not in the archive (missing or ignored); ${hint}`,
    );
  }

  // Only folders that hold a packaged file: a folder emptied by ignore patterns must not change the hash.
  const used = dirs.filter((dir) => files.some((file) => file.startsWith(`${dir}/`)));
  // Code-unit order of archive paths: independent of readdir order and locale.
  const entries = [...used, ...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const pack = createTar(
    { cwd: sourceDir, gzip: { level: 9 }, portable: true, mtime: FIXED_MTIME, noDirRecurse: true, follow: true },
    entries,
  );
  const chunks: Buffer[] = [];
  for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  const archive = Buffer.concat(chunks);
  return {
    archive,
    sha256: createHash('sha256').update(archive).digest('hex'),
    files: [...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    entryPoint,
  };
}
