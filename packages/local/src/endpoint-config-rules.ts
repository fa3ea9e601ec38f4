import { validationException } from './errors.js';
import { now } from './listing.js';
import type { ModelRegistry } from './registry.js';
import type { Rec } from './untyped.js';

/** The memory sizes a serverless variant may ask for, as SageMaker documents them. */
const SERVERLESS_MEMORY = [1024, 2048, 3072, 4096, 5120, 6144];

export function validateConfig(input: Rec): void {
  const name = input.EndpointConfigName;
  const variants = input.ProductionVariants as Rec[] | undefined;
  if (!Array.isArray(variants) || variants.length === 0)
    throw validationException(`CreateEndpointConfig ${name}: ProductionVariants needs at least one variant.`);
  const names = new Set<string>();
  variants.forEach((v, i) => {
    const where = `CreateEndpointConfig ${name}: ProductionVariants[${i}]`;
    if (!v.VariantName) throw validationException(`${where}.VariantName is required.`);
    if (names.has(v.VariantName)) throw validationException(`${where}: VariantName "${v.VariantName}" is used twice.`);
    names.add(v.VariantName);
    if (!v.ModelName) throw validationException(`${where}.ModelName is required.`);
    if (v.ServerlessConfig) {
      const s = v.ServerlessConfig;
      if (v.InstanceType || v.InitialInstanceCount)
        throw validationException(`${where}: a serverless variant cannot also set InstanceType/InitialInstanceCount.`);
      if (!SERVERLESS_MEMORY.includes(Number(s.MemorySizeInMB))) {
        throw validationException(
          `${where}.ServerlessConfig.MemorySizeInMB ${s.MemorySizeInMB} is not valid; use one of ${SERVERLESS_MEMORY.join(', ')}.`,
        );
      }
      const max = Number(s.MaxConcurrency);
      if (!Number.isInteger(max) || max < 1 || max > 200)
        throw validationException(
          `${where}.ServerlessConfig.MaxConcurrency ${s.MaxConcurrency} must be an integer from 1 to 200.`,
        );
      if (
        s.ProvisionedConcurrency !== undefined &&
        (Number(s.ProvisionedConcurrency) < 1 || Number(s.ProvisionedConcurrency) > max)
      ) {
        throw validationException(
          `${where}.ServerlessConfig.ProvisionedConcurrency must be from 1 to MaxConcurrency (${max}).`,
        );
      }
      if (variants.length > 1)
        throw validationException(
          `CreateEndpointConfig ${name}: serverless endpoints support one production variant only.`,
        );
      if (input.DataCaptureConfig)
        throw validationException(
          `CreateEndpointConfig ${name}: serverless endpoints do not support DataCaptureConfig.`,
        );
    } else {
      if (!v.InstanceType)
        throw validationException(
          `${where}: give InstanceType (instance variant) or ServerlessConfig (serverless variant).`,
        );
      const count = Number(v.InitialInstanceCount ?? 1);
      if (!Number.isInteger(count) || count < 1)
        throw validationException(`${where}.InitialInstanceCount must be an integer >= 1.`);
    }
  });
}

export function variantStatus(config: Rec): Rec[] {
  return (config.ProductionVariants as Rec[]).map((v) => ({
    VariantName: v.VariantName,
    DeployedImages: [],
    CurrentWeight: v.InitialVariantWeight ?? 1,
    DesiredWeight: v.InitialVariantWeight ?? 1,
    ...(v.ServerlessConfig
      ? { CurrentServerlessConfig: v.ServerlessConfig, DesiredServerlessConfig: v.ServerlessConfig }
      : { CurrentInstanceCount: v.InitialInstanceCount ?? 1, DesiredInstanceCount: v.InitialInstanceCount ?? 1 }),
  }));
}

export async function deployImages(registry: ModelRegistry, config: Rec): Promise<Rec[]> {
  const variants = variantStatus(config);
  for (const [i, v] of (config.ProductionVariants as Rec[]).entries()) {
    const model = await registry.models.get(v.ModelName);
    const image = model?.PrimaryContainer?.Image ?? model?.Containers?.[0]?.Image;
    if (image && variants[i])
      variants[i].DeployedImages = [{ SpecifiedImage: image, ResolvedImage: image, ResolutionTime: now() }];
  }
  return variants;
}
