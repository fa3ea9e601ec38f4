import { describe, expectTypeOf, it } from 'vitest';
import type { ProdConfig, StageConfig, StagingConfig, StagingConfigInput } from '../src/index.js';
import { parseStageConfig } from '../src/index.js';

describe('inferred stage config types', () => {
  it('narrows on Type', () => {
    const config = parseStageConfig({});
    expectTypeOf(config).toEqualTypeOf<StageConfig>();
    if (config.Type === 'Serverless') {
      expectTypeOf(config).toEqualTypeOf<StagingConfig>();
      expectTypeOf(config.ServerlessConfig.MemorySizeInMB).toEqualTypeOf<1024 | 2048 | 3072 | 4096 | 5120 | 6144>();
      expectTypeOf(config.ServerlessConfig.ProvisionedConcurrency).toEqualTypeOf<number | undefined>();
    } else {
      expectTypeOf(config).toEqualTypeOf<ProdConfig>();
      expectTypeOf(config.InitialInstanceCount).toEqualTypeOf<number>();
      expectTypeOf(config.AutoScaling).toEqualTypeOf<ProdConfig['AutoScaling']>();
    }
  });

  it('fills defaults in the output type only', () => {
    expectTypeOf<StagingConfig['VariantName']>().toEqualTypeOf<string>();
    expectTypeOf<StagingConfig['Tags']>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<StagingConfigInput['VariantName']>().toEqualTypeOf<string | undefined>();
    const bad: StagingConfigInput = {
      Type: 'Serverless',
      StageName: 's',
      // @ts-expect-error 1500 MB is not a serverless memory size
      ServerlessConfig: { MemorySizeInMB: 1500, MaxConcurrency: 1 },
    };
    void bad;
  });
});
