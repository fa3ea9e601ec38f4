import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './repo.js';

export interface CodeBlock {
  /** README path relative to the repository root. */
  readme: string;
  /** 1-based line of the block's first code line in the README. */
  line: number;
  code: string;
}

/** The READMEs whose code blocks a reader may paste: the root one and every project's. */
export function readmePaths(): string[] {
  const paths = [join(repoRoot, 'README.md')];
  for (const dir of ['packages', 'apps', 'tools']) {
    for (const name of readdirSync(join(repoRoot, dir)).sort()) {
      const readme = join(repoRoot, dir, name, 'README.md');
      if (existsSync(readme)) paths.push(readme);
    }
  }
  return paths;
}

/** Every ```ts (or ```typescript) block of a README, with the line it starts on. */
export function tsBlocks(path: string): CodeBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let start = -1;
  let buffer: string[] = [];
  for (const [index, line] of lines.entries()) {
    if (start < 0 && /^```(ts|typescript)\s*$/.test(line)) {
      start = index + 2;
      buffer = [];
    } else if (start >= 0 && /^```\s*$/.test(line)) {
      blocks.push({ readme: relative(repoRoot, path), line: start, code: buffer.join('\n') });
      start = -1;
    } else if (start >= 0) {
      buffer.push(line);
    }
  }
  return blocks;
}

const run = promisify(execFile);
// Inside the workspace (ignored by git), so the blocks resolve @sagemaker-mlops/* and the AWS SDK like a consumer.
const workDir = join(repoRoot, 'tools', 'consumer-test', '.readme-blocks');

function fileName(block: CodeBlock): string {
  return `${block.readme.replace(/[/.]/g, '_')}_L${block.line}.ts`;
}

/** Compiles the blocks in one tsc run; returns the errors per block file, with README lines. */
export async function compileBlocks(blocks: CodeBlock[]): Promise<string[]> {
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  for (const block of blocks) await writeFile(join(workDir, fileName(block)), `${block.code}\n`);
  await writeFile(
    join(workDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023', 'DOM'],
        module: 'node16',
        moduleResolution: 'node16',
        // Each block is a module of its own, with or without imports.
        moduleDetection: 'force',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
      },
      include: ['*.ts'],
    }),
  );
  await writeFile(join(workDir, 'package.json'), '{ "type": "module", "private": true }\n');
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await run('node', [tsc, '-p', workDir, '--pretty', 'false'], { cwd: workDir }).then(
    (r) => r.stdout,
    (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
  );
  const byFile = new Map(blocks.map((b) => [fileName(b), b]));
  return result
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const match = /^(.+?\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
      const block = match ? byFile.get(match[1] as string) : undefined;
      if (!match || !block) return line;
      return `${block.readme}:${block.line + Number(match[2]) - 1}: ${match[4]}`;
    });
}

// `npx tsx tools/consumer-test/src/readme-blocks.ts`: the errors of every README block, as README:line.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const errors = await compileBlocks(readmePaths().flatMap(tsBlocks));
  for (const error of errors) console.log(error);
  process.exitCode = errors.length > 0 ? 1 : 0;
}
