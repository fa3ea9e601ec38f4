import { join } from 'node:path';
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandInput,
  type InvokeEndpointCommandOutput,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import type { CommandTable } from './dispatch.js';
import { registerEndpointCommands } from './endpoint-commands.js';
import type { LocalContext } from './context.js';
import { LocalModeError, metadata, validationException } from './errors.js';
import type { ModelRegistry } from './registry.js';
import { bodyToBytes } from './s3-requests.js';
import { ResourceStore } from './store.js';
import { EndpointWorkerError, Worker, Zygote } from './worker.js';
import type { Rec } from './untyped.js';
import {
  type Deployment,
  forwardToWorkers,
  MAX_PAYLOAD_BYTES,
  MAX_SERVERLESS_PAYLOAD_BYTES,
  pickVariant,
  type PreparedModel,
  prepareModel,
  runtimeError,
  type VariantRuntime,
  variantRuntimes,
  workerFailure,
} from './endpoint-deployment.js';
import { recoverEndpoints, runCreate, runUpdate } from './endpoint-lifecycle.js';

/** What local mode knows about a running endpoint (for tests, the bench and the demo's progress output). */
export interface LocalEndpointStats {
  endpointName: string;
  configName: string | undefined;
  variants: { name: string; kind: 'serverless' | 'instance'; workers: number; inFlight: number }[];
  coldStarts: number;
  lastColdStartMs: number | undefined;
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
    readonly ctx: LocalContext,
    readonly registry: ModelRegistry,
  ) {
    this.configs = new ResourceStore(ctx.stateDir, 'endpoint-configs');
    this.endpoints = new ResourceStore(ctx.stateDir, 'endpoints');
  }

  /** Endpoints left Creating/Updating by a process that stopped are settled: state must not stay in limbo. */
  recover(): Promise<void> {
    return recoverEndpoints(this.endpoints);
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

  async stopDeployment(deployment: Deployment): Promise<void> {
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

  async describeConfig(name: string | undefined = ''): Promise<Rec> {
    const config = await this.configs.get(name);
    if (!config)
      throw validationException(`Could not find endpoint configuration "${this.ctx.arn('endpoint-config', name)}".`);
    return config;
  }

  async describeEndpoint(name: string | undefined = ''): Promise<Rec> {
    const endpoint = await this.endpoints.get(name);
    if (!endpoint) throw validationException(`Could not find endpoint "${this.ctx.arn('endpoint', name)}".`);
    return endpoint;
  }

  /** Resolves a model's container (directly or through its model package) to a local folder and interpreter. */
  prepareModel(modelName: string): Promise<PreparedModel> {
    return prepareModel(this.ctx, this.registry, modelName);
  }

  async buildDeployment(endpointName: string, configName: string, startInstances: boolean): Promise<Deployment> {
    const config = await this.describeConfig(configName);
    const variants = await variantRuntimes(this.ctx, this.registry, config);
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
      throw workerFailure(this.ctx, endpointName, error);
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
    const variant = pickVariant(deployment, input.TargetVariant, endpointName);
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
          throw workerFailure(this.ctx, endpointName, error);
        }
      }
      return await forwardToWorkers(
        this.ctx,
        (dead) => this.replaceDeadWorker(endpointName, variant, dead),
        endpointName,
        variant,
        body,
        input,
      );
    } finally {
      variant.inFlight -= 1;
      deployment.inFlight -= 1;
      if (deployment.inFlight === 0) deployment.drained?.();
      if (variant.inFlight === 0) this.scheduleScaleToZero(endpointName, variant);
    }
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

  register(table: CommandTable): void {
    registerEndpointCommands(table, this);
  }

  /** Starts deploying a new endpoint (CreateEndpoint returns at once; the endpoint goes Creating → InService). */
  startCreate(name: string, configName: string): void {
    void this.track(runCreate(this, name, configName));
  }

  /** Starts moving an endpoint to another config (UpdateEndpoint returns at once; the old one serves meanwhile). */
  startUpdate(name: string, configName: string): void {
    void this.track(runUpdate(this, name, configName));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Makes `deployment` the one that serves the endpoint; returns the one it replaces. */
  install(name: string, deployment: Deployment): Deployment | undefined {
    const previous = this.live.get(name);
    this.live.set(name, deployment);
    return previous;
  }

  /** Removes an endpoint and stops its model servers. */
  async undeploy(name: string): Promise<void> {
    const deployment = this.live.get(name);
    this.live.delete(name);
    await this.endpoints.delete(name);
    if (deployment) await this.stopDeployment(deployment);
  }

  registerRuntime(table: CommandTable): void {
    table.on(InvokeEndpointCommand, (input) => this.invoke(input));
  }
}
