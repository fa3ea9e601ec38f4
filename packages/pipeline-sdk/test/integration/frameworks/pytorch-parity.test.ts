/**
 * The PyTorch helpers against the SageMaker Python SDK 2.257 itself (parity venv): every image version,
 * Python version and processor in a spread of regions, and the distribution hyperparameters.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { venvPython } from '@sagemaker-mlops/test-services';
import { describe, expect, it } from 'vitest';
import {
  DistributionConfigError,
  UnsupportedFrameworkImageError,
  pytorchDistributionHyperParameters,
  pytorchImageUri,
  pytorchImageVersions,
  type PyTorchDistribution,
} from '../../../src/frameworks/pytorch/index.js';
import { PYTORCH_IMAGE_DATA } from '../../../src/frameworks/pytorch/image-uri-data.generated.js';

const here = dirname(fileURLToPath(import.meta.url));

interface ImageCase {
  region: string;
  version: string;
  py: string;
  instance_type: string;
  scope: 'training' | 'inference';
}
interface DistributionCase {
  distribution: PyTorchDistribution;
  instance_type: string;
  version: string;
  py: string;
}

// Async, not execFileSync: a worker blocked for half a minute misses vitest's RPC heartbeats.
async function askPython(request: { images: ImageCase[]; distributions: DistributionCase[] }): Promise<{
  images: Array<string | { error: string }>;
  distributions: Array<Record<string, string> | { error: string }>;
}> {
  const child = promisify(execFile)(venvPython('parity'), [join(here, 'pytorch_reference.py')], {
    maxBuffer: 64 * 1024 * 1024,
  });
  child.child.stdin?.end(JSON.stringify(request));
  const { stdout } = await child;
  return JSON.parse(stdout);
}

const REGIONS = ['us-east-1', 'ap-southeast-5', 'cn-north-1', 'us-iso-east-1', 'eu-north-9'];
const INSTANCES = ['ml.m5.xlarge', 'ml.g5.2xlarge', 'ml.p4d.24xlarge', 'ml.c7g.xlarge'];

function imageCases(): ImageCase[] {
  const cases: ImageCase[] = [];
  for (const scope of ['training', 'inference'] as const) {
    const data = PYTORCH_IMAGE_DATA.scopes[scope];
    for (const version of pytorchImageVersions(scope)) {
      const full = data.versionAliases[version] ?? version;
      const pys = [...(data.versions[full]?.pyVersions ?? []), 'py27'];
      for (const py of pys) {
        for (const instance_type of INSTANCES) {
          // The SDK hands back the Graviton inference image for a training job on Graviton; we refuse instead.
          if (scope === 'training' && instance_type === 'ml.c7g.xlarge') continue;
          // p4d changes the tag only for PyTorch 1.6 (a CUDA 11 build); elsewhere it is ml.g5's case again.
          if (instance_type === 'ml.p4d.24xlarge' && !version.startsWith('1.6')) continue;
          for (const region of REGIONS) cases.push({ region, version, py, instance_type, scope });
        }
      }
    }
  }
  return cases;
}

describe('PyTorch helpers vs the SageMaker Python SDK', () => {
  it('gives the same image URI, or fails where it fails, for every version x python x processor x region', async () => {
    const images = imageCases();
    const distributions: DistributionCase[] = [
      {
        distribution: { torch_distributed: { enabled: true } },
        instance_type: 'ml.g5.12xlarge',
        version: '2.5.1',
        py: 'py311',
      },
      {
        distribution: { torch_distributed: { enabled: true } },
        instance_type: 'ml.p4d.24xlarge',
        version: '2.8.0',
        py: 'py312',
      },
      {
        distribution: { torch_distributed: { enabled: true } },
        instance_type: 'ml.trn1.32xlarge',
        version: '1.13.1',
        py: 'py39',
      },
      {
        distribution: { torch_distributed: { enabled: false } },
        instance_type: 'ml.g5.12xlarge',
        version: '2.5.1',
        py: 'py311',
      },
      {
        distribution: { torch_distributed: { enabled: true } },
        instance_type: 'ml.m5.xlarge',
        version: '2.5.1',
        py: 'py311',
      },
      {
        distribution: { torch_distributed: { enabled: true } },
        instance_type: 'ml.g5.12xlarge',
        version: '1.12.1',
        py: 'py38',
      },
      {
        distribution: { pytorchddp: { enabled: true } },
        instance_type: 'ml.p4d.24xlarge',
        version: '2.0.1',
        py: 'py310',
      },
      {
        distribution: { pytorchddp: { enabled: true, custom_mpi_options: '-verbose' } },
        instance_type: 'ml.p3.16xlarge',
        version: '1.12.1',
        py: 'py38',
      },
      {
        distribution: { pytorchddp: { enabled: true } },
        instance_type: 'ml.p4d.24xlarge',
        version: '2.5.1',
        py: 'py311',
      },
      {
        distribution: { pytorchddp: { enabled: true } },
        instance_type: 'ml.p5.48xlarge',
        version: '2.0.1',
        py: 'py310',
      },
      {
        distribution: { smdistributed: { dataparallel: { enabled: true } } },
        instance_type: 'ml.p4de.24xlarge',
        version: '2.2.0',
        py: 'py310',
      },
      {
        distribution: { smdistributed: { dataparallel: { enabled: false } } },
        instance_type: 'ml.p4d.24xlarge',
        version: '2.2.0',
        py: 'py310',
      },
      {
        distribution: { mpi: { enabled: true, processes_per_host: 4, custom_mpi_options: '-x NCCL_DEBUG=INFO' } },
        instance_type: 'ml.p4d.24xlarge',
        version: '2.0.1',
        py: 'py310',
      },
      { distribution: { mpi: { enabled: true } }, instance_type: 'ml.g5.12xlarge', version: '2.0.1', py: 'py310' },
      {
        distribution: { torch_distributed: { enabled: true } },
        instance_type: 'ml.trn1.32xlarge',
        version: '2.5.1',
        py: 'py311',
      },
      { distribution: { mpi: { enabled: true } }, instance_type: 'ml.trn1.32xlarge', version: '1.13.1', py: 'py39' },
    ];
    const python = await askPython({ images, distributions });

    let compared = 0;
    let failures = 0;
    images.forEach((c, i) => {
      const expected = python.images[i];
      let ours: string | { error: string };
      try {
        ours = pytorchImageUri({
          region: c.region,
          frameworkVersion: c.version,
          pythonVersion: c.py,
          instanceType: c.instance_type,
          scope: c.scope,
        });
      } catch (error) {
        expect(error).toBeInstanceOf(UnsupportedFrameworkImageError);
        ours = { error: (error as Error).message };
      }
      if (typeof expected === 'string') {
        expect({ case: c, uri: ours }).toEqual({ case: c, uri: expected });
      } else {
        expect({ case: c, failed: typeof ours !== 'string' }).toEqual({ case: c, failed: true });
        failures += 1;
      }
      compared += 1;
    });
    expect(compared).toBeGreaterThan(2_000);
    // Both kinds of case were exercised.
    expect(failures).toBeGreaterThan(100);
    expect(compared - failures).toBeGreaterThan(1_000);

    distributions.forEach((c, i) => {
      const expected = python.distributions[i]!;
      let ours: Record<string, string> | { error: string };
      try {
        ours = pytorchDistributionHyperParameters({
          distribution: c.distribution,
          instanceType: c.instance_type,
          frameworkVersion: c.version,
          pythonVersion: c.py,
          entryPoint: 'train.py',
        });
      } catch (error) {
        expect(error).toBeInstanceOf(DistributionConfigError);
        ours = { error: (error as Error).message };
      }
      if ('error' in expected) {
        expect({ case: c, failed: 'error' in ours }).toEqual({ case: c, failed: true });
      } else {
        // The SDK's hyperparameters() adds the script-mode ones only after fit(); the rest must match exactly.
        expect({ case: c, hyperparameters: ours }).toEqual({ case: c, hyperparameters: expected });
      }
    });
  }, 240_000);
});

describe('generated image data', () => {
  it('is what scripts/generate-pytorch-image-uris.py makes from the installed SDK (regenerate when this fails)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pytorch-images-'));
    try {
      const output = join(dir, 'data.ts');
      await promisify(execFile)(venvPython('parity'), [
        join(here, '../../../scripts/generate-pytorch-image-uris.py'),
        '--installed',
        '--output',
        output,
      ]);
      // The SDK patch version named in the header may differ; the data may not.
      const withoutSource = (text: string) => text.replace(/^.*sagemaker==[^\n]*$/gm, '');
      const committed = readFileSync(join(here, '../../../src/frameworks/pytorch/image-uri-data.generated.ts'), 'utf8');
      expect(withoutSource(readFileSync(output, 'utf8')) === withoutSource(committed)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
