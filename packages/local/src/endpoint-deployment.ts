import { join } from 'node:path';
import {
  type InvokeEndpointCommandInput,
  type InvokeEndpointCommandOutput,
  ModelError,
  SageMakerRuntimeServiceException,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import { Uint8ArrayBlobAdapter } from '@smithy/util-stream';
import { materialize } from './archive.js';
import type { LocalContext } from './context.js';
import { metadata, validationException } from './errors.js';
import type { ModelRegistry } from './registry.js';
import { interpreterFor } from './requirements.js';
import { EndpointWorkerError, type Worker } from './worker.js';
import type { Rec } from './untyped.js';

/** InvokeEndpoint's payload limits, as SageMaker documents them. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const MAX_SERVERLESS_PAYLOAD_BYTES = 4 * 1024 * 1024;

/**
 * What serves an endpoint, without the endpoint manager's bookkeeping: a model resolved to a local folder and
 * interpreter, the variants of a deployment, and a request forwarded to a variant's model servers.
 */

export interface PreparedModel {
  modelDir: string;
  python: string;
  image: string;
  env: Record<string, string>;
}

export interface VariantRuntime {
  name: string;
  weight: number;
  serverless?: { maxConcurrency: number; memorySizeInMB: number; provisioned: number };
  instanceCount: number;
  model: PreparedModel;
  workers: Worker[];
  next: number;
  inFlight: number;
  starting?: Promise<void>;
  /** Set once the deployment is stopped: a cold start that finishes afterwards stops its process. */
  stopped?: boolean;
  idleTimer?: NodeJS.Timeout;
}

export interface Deployment {
  configName: string;
  variants: VariantRuntime[];
  inFlight: number;
  drained?: () => void;
}

export function runtimeError(name: string, message: string, status: number): SageMakerRuntimeServiceException {
  return new SageMakerRuntimeServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: metadata(status),
    message,
  });
}

/** Resolves a model's container (directly or through its model package) to a local folder and interpreter. */
export async function prepareModel(
  ctx: LocalContext,
  registry: ModelRegistry,
  modelName: string,
): Promise<PreparedModel> {
  const model = await registry.describeModel(modelName);
  let container: Rec = model.PrimaryContainer ?? model.Containers?.[0] ?? {};
  if (container.ModelPackageName) {
    const pkg = await registry.describePackage(container.ModelPackageName);
    const fromPackage = pkg.InferenceSpecification?.Containers?.[0];
    if (!fromPackage)
      throw validationException(
        `Model ${modelName}: model package ${container.ModelPackageName} has no InferenceSpecification.Containers.`,
      );
    container = {
      ...fromPackage,
      Environment: { ...(fromPackage.Environment ?? {}), ...(container.Environment ?? {}) },
    };
  }
  const env: Record<string, string> = { ...(container.Environment ?? {}) };
  const dataUrl: string | undefined = container.ModelDataUrl ?? container.ModelDataSource?.S3DataSource?.S3Uri;
  let modelDir: string;
  if (dataUrl) {
    modelDir = await materialize(ctx.s3, ctx.stateDir, dataUrl);
  } else {
    modelDir = join(ctx.stateDir, 'cache', 'empty-model');
  }
  const submit = env.SAGEMAKER_SUBMIT_DIRECTORY;
  if (submit?.startsWith('s3://')) {
    // The Python SDK may ship the inference code separately from the model archive.
    env.SAGEMAKER_LOCAL_CODE_DIR = await materialize(ctx.s3, ctx.stateDir, submit);
  }
  // As the inference toolkit does, the model's code/requirements.txt is installed before the model loads.
  const codeDir = env.SAGEMAKER_LOCAL_CODE_DIR ?? join(modelDir, 'code');
  const python = await interpreterFor(ctx, ctx.pythonFor(container.Image), codeDir);
  return { modelDir, python, image: container.Image ?? '', env };
}

export function workerFailure(ctx: LocalContext, endpointName: string, error: unknown): Error {
  if (error instanceof EndpointWorkerError) {
    return new ModelError({
      $metadata: metadata(424),
      message: `The model server of endpoint ${endpointName} failed to start: ${error.message}`,
      OriginalStatusCode: 500,
      OriginalMessage: error.logTail,
      LogStreamArn: join(ctx.stateDir, 'logs', 'endpoints', endpointName),
    });
  }
  return error as Error;
}

export function pickVariant(deployment: Deployment, target: string | undefined, endpointName: string): VariantRuntime {
  if (target) {
    const variant = deployment.variants.find((v) => v.name === target);
    if (!variant)
      throw new ValidationError({
        $metadata: metadata(400),
        message: `Endpoint ${endpointName} has no variant "${target}" (TargetVariant); variants: ${deployment.variants.map((v) => v.name).join(', ')}.`,
      });
    return variant;
  }
  const total = deployment.variants.reduce((sum, v) => sum + v.weight, 0);
  let r = Math.random() * total;
  for (const variant of deployment.variants) {
    r -= variant.weight;
    if (r < 0) return variant;
  }
  return deployment.variants[0] as VariantRuntime;
}

export async function forwardToWorkers(
  ctx: LocalContext,
  replaceDead: (dead: Worker) => void,
  endpointName: string,
  variant: VariantRuntime,
  body: Uint8Array,
  input: InvokeEndpointCommandInput,
): Promise<InvokeEndpointCommandOutput> {
  const headers: Record<string, string> = { 'Content-Type': input.ContentType ?? 'application/json' };
  if (input.Accept) headers.Accept = input.Accept;
  if (input.CustomAttributes) headers['X-Amzn-SageMaker-Custom-Attributes'] = input.CustomAttributes;
  let lastError: unknown;
  for (let attempt = 0; attempt < Math.max(1, variant.workers.length); attempt += 1) {
    const alive = variant.workers.filter((w) => w.alive);
    if (alive.length === 0) break;
    const worker = alive[variant.next % alive.length] as Worker;
    variant.next = (variant.next + 1) % 1_000_000;
    try {
      const response = await worker.invoke(body, headers);
      if (response.status >= 200 && response.status < 300) {
        return {
          $metadata: metadata(200),
          Body: Uint8ArrayBlobAdapter.mutate(new Uint8Array(response.body)),
          ContentType: String(response.headers['content-type'] ?? 'application/json'),
          InvokedProductionVariant: variant.name,
          ...(response.headers['x-amzn-sagemaker-custom-attributes']
            ? { CustomAttributes: String(response.headers['x-amzn-sagemaker-custom-attributes']) }
            : {}),
        };
      }
      const message = response.body.toString('utf8');
      const kind = response.status >= 500 ? 'server' : 'client';
      throw new ModelError({
        $metadata: metadata(424),
        message: `Received ${kind} error (${response.status}) from ${variant.name} with message "${message}". See ${join(ctx.stateDir, 'logs', 'endpoints', endpointName)} for more information.`,
        OriginalStatusCode: response.status,
        OriginalMessage: message,
        LogStreamArn: join(ctx.stateDir, 'logs', 'endpoints', endpointName),
      });
    } catch (error) {
      if (error instanceof ModelError) throw error;
      // The process died or the connection broke: try the next worker, and replace the dead one.
      lastError = error;
      if (!worker.alive) replaceDead(worker);
    }
  }
  throw new ModelError({
    $metadata: metadata(424),
    message: `No model server of endpoint ${endpointName} variant ${variant.name} answered: ${(lastError as Error | undefined)?.message ?? 'no process running'}`,
    OriginalStatusCode: 502,
    OriginalMessage: String((lastError as Error | undefined)?.message ?? ''),
  });
}

/** A deployment's variants as the config describes them, each with its model resolved; no process started yet. */
export async function variantRuntimes(
  ctx: LocalContext,
  registry: ModelRegistry,
  config: Rec,
): Promise<VariantRuntime[]> {
  const variants: VariantRuntime[] = [];
  for (const v of config.ProductionVariants as Rec[]) {
    const model = await prepareModel(ctx, registry, v.ModelName);
    const serverless = v.ServerlessConfig
      ? {
          maxConcurrency: Number(v.ServerlessConfig.MaxConcurrency),
          memorySizeInMB: Number(v.ServerlessConfig.MemorySizeInMB),
          provisioned: Number(v.ServerlessConfig.ProvisionedConcurrency ?? 0),
        }
      : undefined;
    variants.push({
      name: v.VariantName,
      weight: Number(v.InitialVariantWeight ?? 1),
      serverless,
      instanceCount: serverless ? 0 : Number(v.InitialInstanceCount ?? 1),
      model,
      workers: [],
      next: 0,
      inFlight: 0,
    });
  }
  return variants;
}
