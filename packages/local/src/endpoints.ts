import {
  CreateEndpointConfigCommand,
  DescribeEndpointConfigCommand,
  type DescribeEndpointConfigCommandOutput,
  DeleteEndpointConfigCommand,
  ListEndpointConfigsCommand,
  CreateEndpointCommand,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  ListEndpointsCommand,
  UpdateEndpointCommand,
  DeleteEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { join } from 'node:path';
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandInput,
  type InvokeEndpointCommandOutput,
  ModelError,
  SageMakerRuntimeServiceException,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import { Uint8ArrayBlobAdapter } from '@smithy/util-stream';
import { materialize } from './archive.js';
import type { CommandTable } from './dispatch.js';
import type { LocalContext } from './context.js';
import { LocalModeError, metadata, validationException } from './errors.js';
import type { ModelRegistry } from './registry.js';
import { now, sortItems, timeFilter } from './listing.js';
import { interpreterFor } from './requirements.js';
import { bodyToBytes } from './s3.js';
import { described, OWNER, ownerAlive, ResourceStore, revive } from './store.js';
import { EndpointWorkerError, Worker, Zygote } from './worker.js';
import type { Rec } from './untyped.js';

const SERVERLESS_MEMORY = [1024, 2048, 3072, 4096, 5120, 6144];
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const MAX_SERVERLESS_PAYLOAD_BYTES = 4 * 1024 * 1024;

export interface PreparedModel {
  modelDir: string;
  python: string;
  image: string;
  env: Record<string, string>;
}

interface VariantRuntime {
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

interface Deployment {
  configName: string;
  variants: VariantRuntime[];
  inFlight: number;
  drained?: () => void;
}

/** What local mode knows about a running endpoint (for tests, the bench and the demo's progress output). */
export interface LocalEndpointStats {
  endpointName: string;
  configName: string | undefined;
  variants: { name: string; kind: 'serverless' | 'instance'; workers: number; inFlight: number }[];
  coldStarts: number;
  lastColdStartMs: number | undefined;
}

function runtimeError(name: string, message: string, status: number): SageMakerRuntimeServiceException {
  return new SageMakerRuntimeServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: metadata(status),
    message,
  });
}

/**
 * Endpoint configs and endpoints. An endpoint's variants are served by local model server processes:
 * instance variants keep InitialInstanceCount processes (round-robin); serverless variants start one on the
 * first invocation (a cold start), stop it after the idle timeout and throttle above MaxConcurrency.
 */
export class EndpointManager {
  readonly configs: ResourceStore<Rec>;
  readonly endpoints: ResourceStore<Rec>;
  private readonly live = new Map<string, Deployment>();
  private readonly loading = new Map<string, Promise<Deployment>>();
  private readonly operations = new Set<Promise<unknown>>();
  private readonly stats = new Map<string, { coldStarts: number; lastColdStartMs?: number }>();
  private readonly zygotes = new Map<string, Zygote>();
  private closed = false;

  constructor(
    private readonly ctx: LocalContext,
    private readonly registry: ModelRegistry,
  ) {
    this.configs = new ResourceStore(ctx.stateDir, 'endpoint-configs');
    this.endpoints = new ResourceStore(ctx.stateDir, 'endpoints');
  }

  /** Endpoints left Creating/Updating by a process that stopped are settled: state must not stay in limbo. */
  async recover(): Promise<void> {
    for (const endpoint of await this.endpoints.list()) {
      if (ownerAlive(endpoint)) continue;
      if (endpoint.EndpointStatus === 'Creating') {
        await this.endpoints.update(endpoint.EndpointName, (e) => ({
          ...e,
          EndpointStatus: 'Failed',
          FailureReason: 'Local mode stopped while the endpoint was being created; delete and create it again.',
        }));
      } else if (endpoint.EndpointStatus === 'Updating') {
        await this.endpoints.update(endpoint.EndpointName, (e) => ({
          ...e,
          EndpointStatus: 'InService',
          FailureReason: 'Local mode stopped during UpdateEndpoint; the previous endpoint config is still serving.',
        }));
      }
    }
  }

  endpointStats(name: string): LocalEndpointStats {
    const deployment = this.live.get(name);
    const stats = this.stats.get(name);
    return {
      endpointName: name,
      configName: deployment?.configName,
      variants: (deployment?.variants ?? []).map((v) => ({
        name: v.name,
        kind: v.serverless ? 'serverless' : 'instance',
        workers: v.workers.filter((w) => w.alive).length,
        inFlight: v.inFlight,
      })),
      coldStarts: stats?.coldStarts ?? 0,
      lastColdStartMs: stats?.lastColdStartMs,
    };
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.operations.add(promise);
    void promise.finally(() => this.operations.delete(promise)).catch(() => undefined);
    return promise;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.operations]);
    const deployments = [...this.live.values()];
    this.live.clear();
    await Promise.all(deployments.map((d) => this.stopDeployment(d)));
    for (const zygote of this.zygotes.values()) zygote.stop();
    this.zygotes.clear();
  }

  /** The warm interpreter for preloadModules (started on first use), or undefined when none are configured. */
  private zygoteFor(python: string): Zygote | undefined {
    if (this.ctx.preloadModules.length === 0 || this.closed) return undefined;
    let zygote = this.zygotes.get(python);
    if (!zygote?.alive) {
      zygote = Zygote.start(python, this.ctx.preloadModules, this.ctx);
      this.zygotes.set(python, zygote);
    }
    return zygote;
  }

  private async stopDeployment(deployment: Deployment): Promise<void> {
    await Promise.all(
      deployment.variants.map(async (variant) => {
        variant.stopped = true;
        if (variant.idleTimer) clearTimeout(variant.idleTimer);
        const workers = variant.workers;
        variant.workers = [];
        await Promise.all(workers.map((w) => w.stop()));
      }),
    );
  }

  private async describeConfig(name: string | undefined = ''): Promise<Rec> {
    const config = await this.configs.get(name);
    if (!config)
      throw validationException(`Could not find endpoint configuration "${this.ctx.arn('endpoint-config', name)}".`);
    return config;
  }

  private async describeEndpoint(name: string | undefined = ''): Promise<Rec> {
    const endpoint = await this.endpoints.get(name);
    if (!endpoint) throw validationException(`Could not find endpoint "${this.ctx.arn('endpoint', name)}".`);
    return endpoint;
  }

  /** Resolves a model's container (directly or through its model package) to a local folder and interpreter. */
  async prepareModel(modelName: string): Promise<PreparedModel> {
    const model = await this.registry.describeModel(modelName);
    let container: Rec = model.PrimaryContainer ?? model.Containers?.[0] ?? {};
    if (container.ModelPackageName) {
      const pkg = await this.registry.describePackage(container.ModelPackageName);
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
      modelDir = await materialize(this.ctx.s3, this.ctx.stateDir, dataUrl);
    } else {
      modelDir = join(this.ctx.stateDir, 'cache', 'empty-model');
    }
    const submit = env.SAGEMAKER_SUBMIT_DIRECTORY;
    if (submit?.startsWith('s3://')) {
      // The Python SDK may ship the inference code separately from the model archive.
      env.SAGEMAKER_LOCAL_CODE_DIR = await materialize(this.ctx.s3, this.ctx.stateDir, submit);
    }
    // As the inference toolkit does, the model's code/requirements.txt is installed before the model loads.
    const codeDir = env.SAGEMAKER_LOCAL_CODE_DIR ?? join(modelDir, 'code');
    const python = await interpreterFor(this.ctx, this.ctx.pythonFor(container.Image), codeDir);
    return { modelDir, python, image: container.Image ?? '', env };
  }

  private async buildDeployment(
    endpointName: string,
    configName: string,
    startInstances: boolean,
  ): Promise<Deployment> {
    const config = await this.describeConfig(configName);
    const variants: VariantRuntime[] = [];
    for (const v of config.ProductionVariants as Rec[]) {
      const model = await this.prepareModel(v.ModelName);
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
    const deployment: Deployment = { configName, variants, inFlight: 0 };
    if (startInstances) {
      // Part of provisioning: the warm interpreter (preloadModules) is ready before the endpoint is InService.
      for (const variant of variants) {
        const zygote = this.zygoteFor(variant.model.python);
        if (zygote) {
          try {
            await zygote.whenReady();
          } catch (error) {
            throw new EndpointWorkerError(
              `cannot preload ${this.ctx.preloadModules.join(', ')} in ${variant.model.python}: ${(error as Error).message}`,
              '',
            );
          }
        }
      }
      try {
        await Promise.all(
          variants.map(async (variant) => {
            const count = variant.serverless ? (variant.serverless.provisioned > 0 ? 1 : 0) : variant.instanceCount;
            variant.workers = await Promise.all(
              Array.from({ length: count }, (_, i) => this.startWorker(endpointName, variant, i)),
            );
          }),
        );
      } catch (error) {
        await this.stopDeployment(deployment);
        throw error;
      }
    }
    return deployment;
  }

  private startWorker(endpointName: string, variant: VariantRuntime, index: number): Promise<Worker> {
    const spec = {
      python: variant.model.python,
      modelDir: variant.model.modelDir,
      env: { ...variant.model.env },
      endpoint: endpointName,
      logFile: join(this.ctx.stateDir, 'logs', 'endpoints', endpointName, `${variant.name}-${index}.log`),
    };
    const zygote = this.zygoteFor(variant.model.python);
    return zygote ? Worker.fork(this.ctx, spec, zygote) : Worker.start(this.ctx, spec);
  }

  /**
   * The serving deployment of an InService endpoint; processes restart on demand after a restart of local mode.
   * The in-flight load is memoized before the first await, so concurrent first invocations share one
   * deployment instead of each starting (and leaking) its own set of model servers.
   */
  private deploymentFor(endpointName: string): Promise<Deployment> {
    const live = this.live.get(endpointName);
    if (live) return Promise.resolve(live);
    const pending = this.loading.get(endpointName);
    if (pending) return pending;
    if (this.closed)
      return Promise.reject(
        new LocalModeError(`InvokeEndpoint ${endpointName}: this LocalSageMaker is closed; open a new one.`),
      );
    const loading = this.loadDeployment(endpointName).catch((error: unknown) => {
      throw this.workerFailure(endpointName, error);
    });
    this.loading.set(endpointName, loading);
    void loading.finally(() => this.loading.delete(endpointName)).catch(() => undefined);
    // Tracked so close() waits for it and then stops what it started.
    return this.track(loading);
  }

  private async loadDeployment(endpointName: string): Promise<Deployment> {
    const endpoint = await this.endpoints.get(endpointName);
    if (!endpoint)
      throw new ValidationError({
        $metadata: metadata(400),
        message: `Endpoint ${endpointName} of account ${this.ctx.accountId} not found.`,
      });
    if (endpoint.EndpointStatus !== 'InService' && endpoint.EndpointStatus !== 'Updating') {
      throw new ValidationError({
        $metadata: metadata(400),
        message: `Endpoint ${endpointName} is not in service (status ${endpoint.EndpointStatus}${endpoint.FailureReason ? `: ${endpoint.FailureReason}` : ''}).`,
      });
    }
    const deployment = await this.buildDeployment(endpointName, endpoint.EndpointConfigName, true);
    if (this.closed) {
      await this.stopDeployment(deployment);
      throw new LocalModeError(
        `InvokeEndpoint ${endpointName}: this LocalSageMaker was closed while the endpoint's model servers were starting.`,
      );
    }
    const still = await this.endpoints.get(endpointName);
    // An UpdateEndpoint that finished meanwhile installed its own deployment: serve that one, not ours.
    const current = this.live.get(endpointName);
    if (!still || current) {
      await this.stopDeployment(deployment);
      if (current) return current;
      throw new ValidationError({
        $metadata: metadata(400),
        message: `Endpoint ${endpointName} was deleted while its model servers were starting.`,
      });
    }
    this.live.set(endpointName, deployment);
    return deployment;
  }

  private workerFailure(endpointName: string, error: unknown): Error {
    if (error instanceof EndpointWorkerError) {
      return new ModelError({
        $metadata: metadata(424),
        message: `The model server of endpoint ${endpointName} failed to start: ${error.message}`,
        OriginalStatusCode: 500,
        OriginalMessage: error.logTail,
        LogStreamArn: join(this.ctx.stateDir, 'logs', 'endpoints', endpointName),
      });
    }
    return error as Error;
  }

  private pickVariant(deployment: Deployment, target: string | undefined, endpointName: string): VariantRuntime {
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

  private async coldStart(endpointName: string, variant: VariantRuntime): Promise<void> {
    if (!variant.starting) {
      variant.starting = (async () => {
        const started = performance.now();
        this.ctx.log('endpoint', endpointName, 'progress', `cold start of serverless variant ${variant.name}`);
        const worker = await this.startWorker(endpointName, variant, 0);
        if (variant.stopped || this.closed) {
          await worker.stop();
          throw new LocalModeError(
            `InvokeEndpoint ${endpointName}: the endpoint was stopped (deleted, updated or closed) during the cold start.`,
          );
        }
        variant.workers = [worker];
        const ms = performance.now() - started;
        const stats = this.stats.get(endpointName) ?? { coldStarts: 0 };
        stats.coldStarts += 1;
        stats.lastColdStartMs = ms;
        this.stats.set(endpointName, stats);
        this.ctx.log(
          'endpoint',
          endpointName,
          'progress',
          `cold start of serverless variant ${variant.name} took ${Math.round(ms)} ms`,
        );
      })().finally(() => {
        variant.starting = undefined;
      });
      // Tracked so close() waits for a cold start in flight instead of leaving its process behind.
      void this.track(variant.starting).catch(() => undefined);
    }
    await variant.starting;
  }

  private scheduleScaleToZero(endpointName: string, variant: VariantRuntime): void {
    if (!variant.serverless || variant.serverless.provisioned > 0) return;
    if (variant.idleTimer) clearTimeout(variant.idleTimer);
    variant.idleTimer = setTimeout(() => {
      if (variant.inFlight > 0 || variant.workers.length === 0) return;
      const workers = variant.workers;
      variant.workers = [];
      this.ctx.log(
        'endpoint',
        endpointName,
        'progress',
        `serverless variant ${variant.name} idle for ${this.ctx.serverlessIdleTimeoutMs} ms: scaled to zero`,
      );
      void Promise.all(workers.map((w) => w.stop()));
    }, this.ctx.serverlessIdleTimeoutMs);
    variant.idleTimer.unref();
  }

  async invoke(input: InvokeEndpointCommandInput): Promise<InvokeEndpointCommandOutput> {
    const endpointName = input.EndpointName as string;
    if (!endpointName)
      throw new ValidationError({ $metadata: metadata(400), message: 'InvokeEndpoint: EndpointName is required.' });
    const body = await bodyToBytes(input.Body);
    const deployment = await this.deploymentFor(endpointName);
    const variant = this.pickVariant(deployment, input.TargetVariant, endpointName);
    const limit = variant.serverless ? MAX_SERVERLESS_PAYLOAD_BYTES : MAX_PAYLOAD_BYTES;
    if (body.length > limit) {
      throw new ValidationError({
        $metadata: metadata(400),
        message: `Request payload of ${body.length} bytes exceeds the ${limit / 1024 / 1024} MB limit of endpoint ${endpointName}.`,
      });
    }
    if (variant.serverless && variant.inFlight >= variant.serverless.maxConcurrency) {
      throw runtimeError(
        'ThrottlingException',
        `Endpoint ${endpointName} variant ${variant.name} is at its MaxConcurrency of ${variant.serverless.maxConcurrency} invocations in flight; retry with backoff.`,
        400,
      );
    }
    variant.inFlight += 1;
    deployment.inFlight += 1;
    if (variant.idleTimer) clearTimeout(variant.idleTimer);
    try {
      if (variant.serverless && variant.workers.filter((w) => w.alive).length === 0) {
        try {
          await this.coldStart(endpointName, variant);
        } catch (error) {
          throw this.workerFailure(endpointName, error);
        }
      }
      return await this.forward(endpointName, variant, body, input);
    } finally {
      variant.inFlight -= 1;
      deployment.inFlight -= 1;
      if (deployment.inFlight === 0) deployment.drained?.();
      if (variant.inFlight === 0) this.scheduleScaleToZero(endpointName, variant);
    }
  }

  private async forward(
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
          message: `Received ${kind} error (${response.status}) from ${variant.name} with message "${message}". See ${join(this.ctx.stateDir, 'logs', 'endpoints', endpointName)} for more information.`,
          OriginalStatusCode: response.status,
          OriginalMessage: message,
          LogStreamArn: join(this.ctx.stateDir, 'logs', 'endpoints', endpointName),
        });
      } catch (error) {
        if (error instanceof ModelError) throw error;
        // The process died or the connection broke: try the next worker, and replace the dead one.
        lastError = error;
        if (!worker.alive) this.replaceDeadWorker(endpointName, variant, worker);
      }
    }
    throw new ModelError({
      $metadata: metadata(424),
      message: `No model server of endpoint ${endpointName} variant ${variant.name} answered: ${(lastError as Error | undefined)?.message ?? 'no process running'}`,
      OriginalStatusCode: 502,
      OriginalMessage: String((lastError as Error | undefined)?.message ?? ''),
    });
  }

  private replaceDeadWorker(endpointName: string, variant: VariantRuntime, dead: Worker): void {
    const index = variant.workers.indexOf(dead);
    if (index < 0 || this.closed) return;
    variant.workers.splice(index, 1);
    if (variant.serverless) return; // the next invocation cold-starts a new one
    void this.track(
      this.startWorker(endpointName, variant, index).then(
        (worker) => void variant.workers.push(worker),
        (error: unknown) =>
          this.ctx.log(
            'endpoint',
            endpointName,
            'progress',
            `replacing a crashed model server failed: ${(error as Error).message}`,
          ),
      ),
    );
  }

  private validateConfig(input: Rec): void {
    const name = input.EndpointConfigName;
    const variants = input.ProductionVariants as Rec[] | undefined;
    if (!Array.isArray(variants) || variants.length === 0)
      throw validationException(`CreateEndpointConfig ${name}: ProductionVariants needs at least one variant.`);
    const names = new Set<string>();
    variants.forEach((v, i) => {
      const where = `CreateEndpointConfig ${name}: ProductionVariants[${i}]`;
      if (!v.VariantName) throw validationException(`${where}.VariantName is required.`);
      if (names.has(v.VariantName))
        throw validationException(`${where}: VariantName "${v.VariantName}" is used twice.`);
      names.add(v.VariantName);
      if (!v.ModelName) throw validationException(`${where}.ModelName is required.`);
      if (v.ServerlessConfig) {
        const s = v.ServerlessConfig;
        if (v.InstanceType || v.InitialInstanceCount)
          throw validationException(
            `${where}: a serverless variant cannot also set InstanceType/InitialInstanceCount.`,
          );
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

  private variantStatus(config: Rec): Rec[] {
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

  private async deployImages(config: Rec): Promise<Rec[]> {
    const variants = this.variantStatus(config);
    for (const [i, v] of (config.ProductionVariants as Rec[]).entries()) {
      const model = await this.registry.models.get(v.ModelName);
      const image = model?.PrimaryContainer?.Image ?? model?.Containers?.[0]?.Image;
      if (image && variants[i])
        variants[i].DeployedImages = [{ SpecifiedImage: image, ResolvedImage: image, ResolutionTime: now() }];
    }
    return variants;
  }

  register(table: CommandTable): void {
    table.on(CreateEndpointConfigCommand, async (input) => {
      const name = input.EndpointConfigName as string;
      if (!name) throw validationException('CreateEndpointConfig: EndpointConfigName is required.');
      this.validateConfig(input);
      for (const [i, v] of (input.ProductionVariants as Rec[]).entries()) {
        if (!(await this.registry.models.get(v.ModelName))) {
          throw validationException(
            `CreateEndpointConfig ${name}: ProductionVariants[${i}].ModelName "${v.ModelName}" does not exist; create the model first.`,
          );
        }
      }
      const arn = this.ctx.arn('endpoint-config', name);
      await this.configs.update(name, (current) => {
        if (current) throw validationException(`Cannot create already existing endpoint configuration "${arn}".`);
        return { ...input, EndpointConfigArn: arn, CreationTime: now() };
      });
      return { $metadata: metadata(200), EndpointConfigArn: arn };
    });
    table.on(DescribeEndpointConfigCommand, async (input) =>
      described<DescribeEndpointConfigCommandOutput>(await this.describeConfig(input.EndpointConfigName)),
    );
    table.on(DeleteEndpointConfigCommand, async (input) => {
      await this.describeConfig(input.EndpointConfigName);
      await this.configs.delete(input.EndpointConfigName as string);
      return { $metadata: metadata(200) };
    });
    table.on(ListEndpointConfigsCommand, async (input) => {
      let configs = await this.configs.list();
      if (input.NameContains)
        configs = configs.filter((c) => String(c.EndpointConfigName).includes(input.NameContains ?? ''));
      const sorted = sortItems(timeFilter(configs, input), input, 'EndpointConfigName');
      return {
        $metadata: metadata(200),
        EndpointConfigs: revive(
          sorted.map((c) => ({
            EndpointConfigName: c.EndpointConfigName,
            EndpointConfigArn: c.EndpointConfigArn,
            CreationTime: c.CreationTime,
          })),
        ),
      };
    });
    table.on(CreateEndpointCommand, async (input) => {
      const name = input.EndpointName as string;
      if (!name) throw validationException('CreateEndpoint: EndpointName is required.');
      const config = await this.describeConfig(input.EndpointConfigName);
      const arn = this.ctx.arn('endpoint', name);
      const time = now();
      await this.endpoints.update(name, (current) => {
        if (current) throw validationException(`Cannot create already existing endpoint "${arn}".`);
        return {
          [OWNER]: process.pid,
          EndpointName: name,
          EndpointArn: arn,
          EndpointConfigName: input.EndpointConfigName,
          ProductionVariants: this.variantStatus(config),
          EndpointStatus: 'Creating',
          CreationTime: time,
          LastModifiedTime: time,
          ...(input.Tags ? { Tags: input.Tags } : {}),
        };
      });
      void this.track(this.runCreate(name, input.EndpointConfigName as string));
      return { $metadata: metadata(200), EndpointArn: arn };
    });
    table.on(DescribeEndpointCommand, async (input) => {
      const { Tags: _tags, ...endpoint } = await this.describeEndpoint(input.EndpointName);
      return described<DescribeEndpointCommandOutput>(endpoint);
    });
    table.on(ListEndpointsCommand, async (input) => {
      let endpoints = await this.endpoints.list();
      if (input.NameContains)
        endpoints = endpoints.filter((e) => String(e.EndpointName).includes(input.NameContains ?? ''));
      if (input.StatusEquals) endpoints = endpoints.filter((e) => e.EndpointStatus === input.StatusEquals);
      const sorted = sortItems(timeFilter(endpoints, input), input, 'EndpointName');
      return {
        $metadata: metadata(200),
        Endpoints: revive(
          sorted.map((e) => ({
            EndpointName: e.EndpointName,
            EndpointArn: e.EndpointArn,
            CreationTime: e.CreationTime,
            LastModifiedTime: e.LastModifiedTime,
            EndpointStatus: e.EndpointStatus,
          })),
        ),
      };
    });
    table.on(UpdateEndpointCommand, async (input) => {
      const name = input.EndpointName as string;
      const endpoint = await this.describeEndpoint(name);
      if (endpoint.EndpointStatus !== 'InService') {
        throw validationException(
          `Cannot update endpoint "${endpoint.EndpointArn}" while its status is ${endpoint.EndpointStatus}; wait for InService.`,
        );
      }
      await this.describeConfig(input.EndpointConfigName);
      await this.endpoints.update(name, (e) => ({
        ...e,
        [OWNER]: process.pid,
        EndpointStatus: 'Updating',
        LastModifiedTime: now(),
      }));
      void this.track(this.runUpdate(name, input.EndpointConfigName as string));
      return { $metadata: metadata(200), EndpointArn: endpoint.EndpointArn };
    });
    table.on(DeleteEndpointCommand, async (input) => {
      const name = input.EndpointName as string;
      await this.describeEndpoint(name);
      const deployment = this.live.get(name);
      this.live.delete(name);
      await this.endpoints.delete(name);
      if (deployment) await this.stopDeployment(deployment);
      return { $metadata: metadata(200) };
    });
  }

  registerRuntime(table: CommandTable): void {
    table.on(InvokeEndpointCommand, (input) => this.invoke(input));
  }

  private async runCreate(name: string, configName: string): Promise<void> {
    try {
      const config = await this.describeConfig(configName);
      const deployment = await this.buildDeployment(name, configName, true);
      if (this.closed || !(await this.endpoints.get(name))) {
        await this.stopDeployment(deployment);
        return;
      }
      this.live.set(name, deployment);
      const variants = await this.deployImages(config);
      await this.endpoints.update(name, (e) => ({
        ...e,
        ProductionVariants: variants,
        EndpointStatus: 'InService',
        LastModifiedTime: now(),
      }));
      this.ctx.log('endpoint', name, 'progress', `endpoint ${name} is InService (config ${configName})`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (await this.endpoints.get(name)) {
        await this.endpoints.update(name, (e) => ({
          ...e,
          EndpointStatus: 'Failed',
          FailureReason: reason,
          LastModifiedTime: now(),
        }));
      }
      this.ctx.log('endpoint', name, 'progress', `endpoint ${name} failed: ${reason}`);
    }
  }

  /**
   * Blue/green swap: the new config's processes start and pass /ping while the old ones keep serving;
   * then new requests go to the new deployment and the old one stops once its in-flight requests finish.
   * A failure leaves the old config serving, with the endpoint InService and FailureReason set (as on AWS).
   */
  private async runUpdate(name: string, configName: string): Promise<void> {
    try {
      const config = await this.describeConfig(configName);
      const next = await this.buildDeployment(name, configName, true);
      if (this.closed) {
        await this.stopDeployment(next);
        return;
      }
      const previous = this.live.get(name);
      this.live.set(name, next);
      const variants = await this.deployImages(config);
      await this.endpoints.update(name, (e) => {
        const { FailureReason: _old, ...rest } = e ?? {};
        return {
          ...rest,
          EndpointConfigName: configName,
          ProductionVariants: variants,
          EndpointStatus: 'InService',
          LastModifiedTime: now(),
        };
      });
      this.ctx.log('endpoint', name, 'progress', `endpoint ${name} now serves config ${configName}`);
      if (previous) {
        if (previous.inFlight > 0) await new Promise<void>((resolve) => (previous.drained = resolve));
        await this.stopDeployment(previous);
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.endpoints.update(name, (e) => ({
        ...e,
        EndpointStatus: 'InService',
        FailureReason: `UpdateEndpoint to ${configName} failed; the previous config is still serving: ${reason}`,
        LastModifiedTime: now(),
      }));
      this.ctx.log('endpoint', name, 'progress', `update of endpoint ${name} failed: ${reason}`);
    }
  }
}
