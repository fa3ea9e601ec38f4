import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

describe('README example', () => {
  it('is the code of test/readme-example.ts (so it type-checks with the package)', () => {
    const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('### Example')))?.[1];
    const example = readFileSync(join(here, 'readme-example.ts'), 'utf8').split('\n').slice(1).join('\n');
    expect(block?.replace("from '@sagemaker-mlops/pipeline-sdk'", "from '../src/index.js'")).toBe(example);
  });

  it('compiles to a valid definition', async () => {
    const { pipeline } = await import('./readme-example.js');
    const definition = JSON.parse(pipeline.definition());
    expect(definition.Steps.map((s: { Name: string }) => s.Name)).toEqual([
      'Preprocess',
      'Train',
      'Evaluate',
      'CheckAccuracy',
    ]);
    expect(definition.Steps[3].Arguments.IfSteps[0].Type).toBe('RegisterModel');
  });
});
