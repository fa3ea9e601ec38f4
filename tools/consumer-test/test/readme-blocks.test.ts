/**
 * Every ```ts block of every README compiles as written, on its own, against the built packages: complete
 * (imports included), `strict`, node16 module resolution — what a reader who pastes it into a file gets.
 */
import { describe, expect, it } from 'vitest';
import { compileBlocks, readmePaths, tsBlocks } from '../src/readme-blocks.js';

describe('README code blocks', () => {
  const blocks = readmePaths().flatMap(tsBlocks);

  it('are found in the root README and the package READMEs', () => {
    expect(blocks.length).toBeGreaterThan(20);
    expect(new Set(blocks.map((b) => b.readme))).toContain('README.md');
  });

  it('each compiles on its own (imports included) with tsc --strict', async () => {
    expect(await compileBlocks(blocks)).toEqual([]);
  });

  it('a block that uses a name it does not import fails (the check can fail)', async () => {
    const errors = await compileBlocks([{ readme: 'probe.md', line: 1, code: 'await client.predictImage("x.png");' }]);
    expect(errors.join('\n')).toMatch(/probe\.md:1: error TS2304: Cannot find name 'client'/);
  });
});
