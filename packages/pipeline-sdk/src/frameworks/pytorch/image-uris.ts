import { UnsupportedFrameworkImageError } from '../errors.js';
import { PYTORCH_IMAGE_DATA } from './image-uri-data.generated.js';
import type { PyTorchImageScopeData } from './image-uri-data.js';

/**
 * What the image is for. Processing jobs run the training image, as the Python SDK's
 * `PyTorchProcessor` does.
 */
export type PyTorchImageScope = 'training' | 'processing' | 'inference';

export interface PyTorchImageUriOptions {
  /** AWS region of the job or endpoint, e.g. `us-east-1`. */
  readonly region: string;
  /** `2.5` (alias, kept in the tag as given) or `2.5.1`. */
  readonly frameworkVersion: string;
  /** `py311`; may be left out when the version has exactly one Python version. */
  readonly pythonVersion?: string;
  readonly scope: PyTorchImageScope;
  /**
   * SageMaker instance type (`ml.g5.xlarge`, `ml.m5.large`, `local`, `local_gpu`): picks CPU or GPU,
   * and Graviton families (`ml.c7g.*`, `ml.m6g.*`, ...) pick the Graviton inference image.
   */
  readonly instanceType?: string;
  /** Instead of `instanceType` (serverless endpoints have none: use `cpu`). */
  readonly processor?: 'cpu' | 'gpu';
  /** The job uses `smdistributed` (only changes the tag of the old PyTorch 1.6 GPU images). */
  readonly smdistributed?: boolean;
}

// fw_utils.GRAVITON_ALLOWED_TARGET_INSTANCE_FAMILY in the Python SDK.
const GRAVITON_FAMILIES = ['m6g', 'm6gd', 'c6g', 'c6gd', 'c6gn', 'c7g', 'r6g', 'r6gd'];

// image_uris._get_image_tag: p4d and smdistributed jobs on PyTorch 1.6 GPU need a CUDA 11 build.
const AUTO_CONTAINER_VERSIONS: Readonly<Record<string, string>> = {
  '1.6-gpu-py36': 'cu110-ubuntu18.04-v3',
  '1.6.0-gpu-py36': 'cu110-ubuntu18.04',
  '1.6-gpu-py3': 'cu110-ubuntu18.04-v3',
  '1.6.0-gpu-py3': 'cu110-ubuntu18.04',
};

/** `ml.g5.xlarge` → `g5`, `ml_m5` → `m5`; '' when the string is not an ml instance type. */
export function instanceTypeFamily(instanceType: string | undefined): string {
  if (instanceType === undefined) return '';
  const match = /^ml[._]([a-z\d-]+)\.?\w*$/.exec(instanceType);
  return match?.[1] ?? '';
}

/** True for GPU instance types (`ml.g*`, `ml.p*`, `local_gpu`). */
export function isGpuInstanceType(instanceType: string): boolean {
  if (instanceType === 'local_gpu') return true;
  const family = instanceTypeFamily(instanceType);
  return family.startsWith('g') || family.startsWith('p');
}

/** True for Trainium instance types (`ml.trn1.*`). */
export function isTrainiumInstanceType(instanceType: string): boolean {
  return instanceTypeFamily(instanceType).startsWith('trn');
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function scopeData(scope: 'training' | 'inference' | 'inference_graviton'): PyTorchImageScopeData {
  return PYTORCH_IMAGE_DATA.scopes[scope];
}

/** The framework versions (full versions and aliases such as `2.5`) that have images for `scope`. */
export function pytorchImageVersions(scope: PyTorchImageScope | 'inference_graviton'): string[] {
  const data = scopeData(scope === 'processing' ? 'training' : scope);
  // Aliases (2.5) before the full versions they stand for (2.5.1, or 2.0.0 for 2.0).
  return [...new Set([...Object.keys(data.versions), ...Object.keys(data.versionAliases)])].sort(
    (a, b) => compareVersions(a, b) || a.length - b.length,
  );
}

/** Resolves an alias (`2.5`) to the full framework version (`2.5.1`) of `scope`'s images. */
export function resolvePyTorchVersion(frameworkVersion: string, scope: PyTorchImageScope = 'training'): string {
  const data = scopeData(scope === 'processing' ? 'training' : scope);
  const full = data.versionAliases[frameworkVersion] ?? frameworkVersion;
  if (!(full in data.versions)) {
    throw new UnsupportedFrameworkImageError(
      'frameworkVersion',
      frameworkVersion,
      pytorchImageVersions(scope),
      `PyTorch ${scope} images`,
    );
  }
  return full;
}

function processorFor(options: PyTorchImageUriOptions, processors: readonly string[], detail: string): string {
  const { instanceType, processor } = options;
  let chosen: string;
  if (processor !== undefined) {
    chosen = processor;
  } else if (instanceType === undefined) {
    if (processors.length === 1) return processors[0] as string;
    throw new UnsupportedFrameworkImageError(
      'instanceType',
      'undefined',
      [],
      `${detail}: give instanceType (or processor: 'cpu' | 'gpu')`,
    );
  } else if (instanceType.startsWith('local')) {
    chosen = instanceType === 'local' ? 'cpu' : 'gpu';
  } else {
    const family = instanceTypeFamily(instanceType);
    if (family === '') {
      throw new UnsupportedFrameworkImageError(
        'instanceType',
        instanceType,
        [],
        `${detail}: expected an instance type like 'ml.m5.xlarge' or 'ml.g5.2xlarge'`,
      );
    }
    if (family.startsWith('inf') || family.startsWith('trn')) {
      throw new UnsupportedFrameworkImageError(
        'instanceType',
        instanceType,
        [],
        `${detail}: Inferentia/Trainium instances need the Neuron images, which these helpers do not cover; pass imageUri yourself`,
      );
    }
    chosen = processors.includes(family) ? family : family.startsWith('g') || family.startsWith('p') ? 'gpu' : 'cpu';
  }
  if (!processors.includes(chosen)) throw new UnsupportedFrameworkImageError('processor', chosen, processors, detail);
  return chosen;
}

/**
 * The ECR URI of the AWS PyTorch Deep Learning Container, computed the way the SageMaker Python SDK's
 * `image_uris.retrieve('pytorch', ...)` does, from data generated out of its `pytorch.json`.
 *
 * @example pytorchImageUri({ region: 'us-east-1', frameworkVersion: '2.5', pythonVersion: 'py311', scope: 'training', instanceType: 'ml.g5.xlarge' })
 *   // '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5-gpu-py311'
 */
export function pytorchImageUri(options: PyTorchImageUriOptions): string {
  const { region, frameworkVersion, scope } = options;
  const family = instanceTypeFamily(options.instanceType);
  const graviton = GRAVITON_FAMILIES.includes(family);
  if (graviton && scope !== 'inference') {
    throw new UnsupportedFrameworkImageError(
      'instanceType',
      options.instanceType ?? '',
      [],
      `PyTorch ${scope} images: Graviton instances (${GRAVITON_FAMILIES.map((f) => `ml.${f}.*`).join(', ')}) only have inference images`,
    );
  }
  const dataScope = scope === 'processing' ? 'training' : graviton ? 'inference_graviton' : scope;
  const detail = `PyTorch ${dataScope.replace('_', ' ')} images`;
  const data = scopeData(dataScope);

  const fullVersion = data.versionAliases[frameworkVersion] ?? frameworkVersion;
  const versionData = data.versions[fullVersion];
  if (versionData === undefined) {
    throw new UnsupportedFrameworkImageError(
      'frameworkVersion',
      frameworkVersion,
      pytorchImageVersions(dataScope),
      detail,
    );
  }

  let pythonVersion = options.pythonVersion;
  if (pythonVersion === undefined) {
    if (versionData.pyVersions.length !== 1) {
      throw new UnsupportedFrameworkImageError(
        'pythonVersion',
        'undefined',
        versionData.pyVersions,
        `${detail} ${frameworkVersion}: give pythonVersion`,
      );
    }
    pythonVersion = versionData.pyVersions[0] as string;
  } else if (!versionData.pyVersions.includes(pythonVersion)) {
    throw new UnsupportedFrameworkImageError(
      'pythonVersion',
      pythonVersion,
      versionData.pyVersions,
      `${detail} ${frameworkVersion}`,
    );
  }

  const registries = PYTORCH_IMAGE_DATA.registries[versionData.registries] ?? {};
  const account = registries[region];
  if (account === undefined) {
    throw new UnsupportedFrameworkImageError(
      'region',
      region,
      Object.keys(registries).sort(),
      `${detail} ${frameworkVersion}`,
    );
  }
  const hostname = PYTORCH_IMAGE_DATA.ecrHostnames[region] ?? `ecr.${region}.amazonaws.com`;

  const processor = processorFor(options, data.processors, detail);

  if (family === 'p2' && compareVersions(fullVersion, '1.13') >= 0) {
    throw new UnsupportedFrameworkImageError(
      'instanceType',
      options.instanceType ?? '',
      [],
      `${detail} ${frameworkVersion}: P2 instances are not supported from PyTorch 1.13 on; use p3, g4dn, g5 or newer`,
    );
  }

  let containerVersion = versionData.containerVersion?.[processor];
  if (versionData.repository === 'pytorch-inference-graviton') containerVersion = `${containerVersion}-sagemaker`;
  let tag = [frameworkVersion, processor, pythonVersion, containerVersion].filter((part) => part).join('-');
  if (options.instanceType !== undefined && (family === 'p4d' || options.smdistributed === true)) {
    const suffix = AUTO_CONTAINER_VERSIONS[tag];
    if (suffix !== undefined) tag = `${tag}-${suffix}`;
  }
  return `${account}.dkr.${hostname}/${versionData.repository}:${tag}`;
}
