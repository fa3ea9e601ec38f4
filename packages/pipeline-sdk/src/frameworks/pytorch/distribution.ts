import { z } from 'zod';
import { DistributionConfigError } from '../errors.js';
import { encodeHyperParameters, type HyperParameterValue } from '../hyperparameters.js';
import { isGpuInstanceType, isTrainiumInstanceType, instanceTypeFamily } from './image-uris.js';
import { PYTORCH_IMAGE_DATA } from './image-uri-data.generated.js';

/**
 * Distributed training options, spelled as in the SageMaker Python SDK's `PyTorch(distribution=...)`,
 * so Python examples carry over. Exactly one strategy per job.
 *
 * - `torch_distributed`: `torchrun` on GPU (PyTorch >= 1.13.1) or Trainium instances.
 * - `pytorchddp`: the SDK rewrites it to `smdistributed.dataparallel` (SageMaker's SMDDP library), and so do we.
 * - `smdistributed.dataparallel`: SMDDP on the multi-GPU instance types it supports.
 * - `mpi`: `mpirun` (Horovod-style scripts).
 */
export type PyTorchDistribution =
  | { readonly torch_distributed: { readonly enabled: boolean } }
  | { readonly pytorchddp: { readonly enabled: boolean; readonly custom_mpi_options?: string } }
  | {
      readonly smdistributed: {
        readonly dataparallel: { readonly enabled: boolean; readonly custom_mpi_options?: string };
      };
    }
  | {
      readonly mpi: {
        readonly enabled: boolean;
        readonly processes_per_host?: number;
        readonly custom_mpi_options?: string;
      };
    };

export interface PyTorchDistributionOptions {
  readonly distribution: PyTorchDistribution;
  readonly instanceType: string;
  readonly frameworkVersion: string;
  readonly pythonVersion: string;
  /** Training script; `torch_distributed` only launches Python files. */
  readonly entryPoint?: string;
  /** A custom image: the SDK then skips the framework/Python version checks, and so do we. */
  readonly imageUri?: string;
}

// Lists from the Python SDK's sagemaker/fw_utils.py (2.257.x).
export const SMDDP_SUPPORTED_INSTANCE_TYPES: readonly string[] = [
  'ml.p3.16xlarge',
  'ml.p3dn.24xlarge',
  'ml.p4d.24xlarge',
  'ml.p4de.24xlarge',
  'local_gpu',
];
export const SMDDP_SUPPORTED_PYTORCH_VERSIONS: readonly string[] = [
  '1.6',
  '1.6.0',
  '1.7',
  '1.7.1',
  '1.8',
  '1.8.0',
  '1.8.1',
  '1.9',
  '1.9.0',
  '1.9.1',
  '1.10',
  '1.10.0',
  '1.10.2',
  '1.11',
  '1.11.0',
  '1.12',
  '1.12.0',
  '1.12.1',
  '1.13.1',
  '2.0.0',
  '2.0.1',
  '2.1.0',
  '2.1.2',
  '2.2.0',
];
export const TORCH_DISTRIBUTED_GPU_VERSIONS: readonly string[] = [
  '1.13.1',
  '2.0.0',
  '2.0.1',
  '2.1.0',
  '2.1.2',
  '2.2.0',
  '2.3.0',
  '2.3.1',
  '2.4.1',
  '2.5.1',
  '2.6.0',
  '2.7.1',
  '2.8.0',
];
export const TORCH_DISTRIBUTED_TRAINIUM_VERSIONS: readonly string[] = [
  '1.11',
  '1.11.0',
  '1.12',
  '1.12.0',
  '1.12.1',
  '1.13.1',
  '2.0.0',
];
// Framework.UNSUPPORTED_DLC_IMAGE_FOR_SM_PARALLELISM
const SMDDP_UNSUPPORTED_IMAGES = ['2.0.1-gpu-py310-cu121'];

const mpiOptions = z.string().max(4096).optional();
// One schema per strategy, so an error names the field (a union would only say "Invalid input").
const strategySchemas: Record<string, z.ZodType> = {
  torch_distributed: z.strictObject({ torch_distributed: z.strictObject({ enabled: z.boolean() }) }),
  pytorchddp: z.strictObject({ pytorchddp: z.strictObject({ enabled: z.boolean(), custom_mpi_options: mpiOptions }) }),
  smdistributed: z.strictObject({
    smdistributed: z.strictObject({
      dataparallel: z.strictObject({ enabled: z.boolean(), custom_mpi_options: mpiOptions }),
    }),
  }),
  mpi: z.strictObject({
    mpi: z.strictObject({
      enabled: z.boolean(),
      processes_per_host: z.number().int().min(1).optional(),
      custom_mpi_options: mpiOptions,
    }),
  }),
};

const STRATEGIES = ['torch_distributed', 'pytorchddp', 'smdistributed', 'mpi'];

function strategyOf(distribution: object): string {
  const keys = Object.keys(distribution);
  if (keys.length !== 1) {
    throw new DistributionConfigError(keys.join('+') || '(none)', [
      `give exactly one strategy, one of: ${STRATEGIES.join(', ')}` +
        (keys.includes('smdistributed') && keys.includes('torch_distributed')
          ? ' (torch_distributed + smdistributed.modelparallel is SageMaker model parallelism v2, which needs the pytorch-smp images these helpers do not cover)'
          : ''),
    ]);
  }
  const key = keys[0] as string;
  if (!STRATEGIES.includes(key)) {
    throw new DistributionConfigError(key, [`unknown strategy; supported: ${STRATEGIES.join(', ')}`]);
  }
  return key;
}

/** The version as given and its full form (`2.5` → `2.5.1`), since the SDK's lists mix both. */
function versionForms(frameworkVersion: string): string[] {
  const full = PYTORCH_IMAGE_DATA.scopes.training.versionAliases[frameworkVersion];
  return full === undefined ? [frameworkVersion] : [frameworkVersion, full];
}

function listed(frameworkVersion: string, list: readonly string[]): boolean {
  return versionForms(frameworkVersion).some((version) => list.includes(version));
}

/**
 * The hyperparameters the PyTorch training container reads to launch a distributed job, exactly as
 * the Python SDK's `PyTorch.hyperparameters()` writes them (JSON-encoded strings), after the same
 * checks as its `validate_distribution`.
 *
 * @example pytorchDistributionHyperParameters({ distribution: { torch_distributed: { enabled: true } },
 *   instanceType: 'ml.g5.12xlarge', frameworkVersion: '2.5', pythonVersion: 'py311', entryPoint: 'train.py' })
 *   // { sagemaker_torch_distributed_enabled: 'true', sagemaker_instance_type: '"ml.g5.12xlarge"' }
 */
export function pytorchDistributionHyperParameters(options: PyTorchDistributionOptions): Record<string, string> {
  const strategy = strategyOf(options.distribution);
  const parsed = (strategySchemas[strategy] as z.ZodType).safeParse(options.distribution);
  if (!parsed.success) {
    throw new DistributionConfigError(
      strategy,
      parsed.error.issues.map((issue) => `${['distribution', ...issue.path.map(String)].join('.')}: ${issue.message}`),
    );
  }
  const { instanceType, frameworkVersion, pythonVersion, entryPoint, imageUri } = options;
  const problems: string[] = [];
  const config: Record<string, HyperParameterValue> = {};
  const distribution = parsed.data as PyTorchDistribution;

  if (isTrainiumInstanceType(instanceType) && strategy !== 'torch_distributed') {
    problems.push(`Trainium instances (${instanceType}) support only the torch_distributed strategy`);
  }

  if ('torch_distributed' in distribution) {
    if (distribution.torch_distributed.enabled) {
      if (imageUri === undefined) {
        if (!pythonVersion.includes('py3'))
          problems.push(`pythonVersion ${pythonVersion}: torch_distributed needs py3x`);
        if (isGpuInstanceType(instanceType)) {
          if (!listed(frameworkVersion, TORCH_DISTRIBUTED_GPU_VERSIONS)) {
            problems.push(
              `frameworkVersion ${frameworkVersion} does not support torch_distributed on GPU instance ${instanceType}; supported: ${TORCH_DISTRIBUTED_GPU_VERSIONS.join(', ')}`,
            );
          }
        } else if (isTrainiumInstanceType(instanceType)) {
          if (!listed(frameworkVersion, TORCH_DISTRIBUTED_TRAINIUM_VERSIONS)) {
            problems.push(
              `frameworkVersion ${frameworkVersion} does not support torch_distributed on Trainium instance ${instanceType}; supported: ${TORCH_DISTRIBUTED_TRAINIUM_VERSIONS.join(', ')}`,
            );
          }
        } else {
          problems.push(
            `instance type ${instanceType}: torch_distributed runs only on GPU (ml.g*, ml.p*) and Trainium (ml.trn*) instances`,
          );
        }
      }
      if (entryPoint !== undefined && !entryPoint.endsWith('.py')) {
        problems.push(`entryPoint ${entryPoint}: torch_distributed launches only Python programs (*.py)`);
      }
      config.sagemaker_torch_distributed_enabled = true;
      config.sagemaker_instance_type = instanceType;
    }
  } else if ('pytorchddp' in distribution || 'smdistributed' in distribution) {
    // PyTorch.__init__ rewrites pytorchddp into smdistributed.dataparallel before anything else.
    const dataparallel =
      'pytorchddp' in distribution ? distribution.pytorchddp : distribution.smdistributed.dataparallel;
    if (dataparallel.enabled) {
      if (imageUri === undefined) {
        if (!listed(frameworkVersion, SMDDP_SUPPORTED_PYTORCH_VERSIONS)) {
          problems.push(
            `frameworkVersion ${frameworkVersion} is not supported by smdataparallel; supported: ${SMDDP_SUPPORTED_PYTORCH_VERSIONS.join(', ')}`,
          );
        }
        if (!pythonVersion.includes('py3')) problems.push(`pythonVersion ${pythonVersion}: smdataparallel needs py3x`);
      } else if (SMDDP_UNSUPPORTED_IMAGES.some((tag) => imageUri.includes(tag))) {
        problems.push(`image ${imageUri} is incompatible with smdistributed (CUDA newer than the library supports)`);
      }
      if (instanceTypeFamily(instanceType) === 'p5') {
        problems.push(
          `instance type ${instanceType}: smdistributed does not support p5 instances without torch_distributed`,
        );
      } else if (!SMDDP_SUPPORTED_INSTANCE_TYPES.includes(instanceType)) {
        problems.push(
          `instance type ${instanceType} is not supported by smdataparallel; supported: ${SMDDP_SUPPORTED_INSTANCE_TYPES.join(', ')}`,
        );
      }
    }
    config.sagemaker_distributed_dataparallel_enabled = dataparallel.enabled;
    config.sagemaker_instance_type = instanceType;
    if (dataparallel.enabled) {
      config.sagemaker_distributed_dataparallel_custom_mpi_options = dataparallel.custom_mpi_options ?? '';
    }
  } else {
    const mpi = distribution.mpi;
    config.sagemaker_mpi_enabled = mpi.enabled;
    if (mpi.processes_per_host !== undefined) config.sagemaker_mpi_num_of_processes_per_host = mpi.processes_per_host;
    config.sagemaker_mpi_custom_mpi_options = mpi.custom_mpi_options ?? '';
  }

  if (problems.length > 0) throw new DistributionConfigError(strategy, problems);
  return encodeHyperParameters(config);
}
