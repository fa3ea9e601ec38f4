import { expectTypeOf, test } from 'vitest';
import type { Pipeline } from '../../../src/core/index.js';
import type { PipelineSource } from '../../../src/lifecycle/index.js';

test('the core Pipeline is a PipelineSource, so PipelineRunner takes it as is', () => {
  expectTypeOf<Pipeline>().toMatchTypeOf<PipelineSource>();
});
