/**
 * The Deployer: approval and promotion checks, the deployment plan, and the rollout of a model package version onto
 * a stage's endpoint. How a stage config becomes SageMaker requests, resource names, waits, auto scaling and reads
 * live beside it in deploy/.
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  SageMakerClient,
  UpdateEndpointCommand,
  waitUntilEndpointDeleted,
} from '@aws-sdk/client-sagemaker';
import type { StageConfig } from './config/schema.js';
import { scalableResourceId, scalingPolicyName, VariantAutoScaling } from './deploy/auto-scaling.js';
import { endpointConfigInput, formatPlan, sameEndpointConfig, variantSummary } from './deploy/endpoint-config.js';
import { resourceName, stampOf } from './deploy/names.js';
import { endpointWaiter, type OnEndpointStatus, waitForRollout } from './deploy/rollout.js';
import {
  describeEndpoint,
  describeEndpointConfig,
  ignoreNotFound,
  modelPackageOfModel,
  stageEndpointConfigs,
} from './deploy/sagemaker-reads.js';
import type {
  DeploymentPlan,
  DeployerOptions,
  DeployOptions,
  DeployProgress,
  DeployResult,
  PlannedAction,
  ServingState,
} from './deploy/types.js';
import {
  EndpointBusyError,
  ModelPackageNotApprovedError,
  ModelPackageNotReadyError,
  PromotionRequiredError,
  StageNotConfiguredError,
} from './errors.js';
import { isNotFound, ModelRegistry } from './registry.js';

export { scalableResourceId } from './deploy/auto-scaling.js';
export { endpointConfigInput, formatPlan } from './deploy/endpoint-config.js';
export { resourceName } from './deploy/names.js';
export type {
  DeployerOptions,
  DeploymentPlan,
  DeployOptions,
  DeployProgress,
  DeployResult,
  PlannedAction,
  PlannedActionKind,
  PlannedResource,
  ServingState,
} from './deploy/types.js';

/** Endpoint states in which SageMaker accepts no UpdateEndpoint. */
const BUSY_STATUSES = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting']);

/**
 * Deploys approved model package versions to stage endpoints: serverless staging, real-time prod.
 * Each deployment creates a model and an endpoint config named after the package version and rolls the endpoint
 * onto them; the previous config keeps serving until the new one is InService.
 */
export class Deployer {
  readonly sagemaker: SageMakerClient;
  private readonly registry: ModelRegistry;
  private readonly scaling: VariantAutoScaling;
  private readonly options: DeployerOptions;

  constructor(options: DeployerOptions) {
    this.options = options;
    this.sagemaker = options.sagemaker ?? new SageMakerClient({});
    this.scaling = new VariantAutoScaling(options.applicationAutoScaling);
    this.registry = new ModelRegistry({ sagemaker: this.sagemaker });
  }

  /** The config of a stage; throws `StageNotConfiguredError` for a name not configured. */
  stage(stage: string): StageConfig {
    const config = this.options.stages[stage];
    if (!config) throw new StageNotConfiguredError(stage, Object.keys(this.options.stages));
    return config;
  }

  /** The stage a version must be serving on before it may deploy to `stage`, if any. */
  promotionSource(stage: string): string | undefined {
    const promotion =
      this.options.promotion ?? (this.options.stages.prod && this.options.stages.staging ? { prod: 'staging' } : {});
    return promotion[stage];
  }

  /** What the stage's endpoint serves now (`undefined` when the endpoint does not exist). */
  async serving(stage: string): Promise<ServingState | undefined> {
    const endpointName = this.stage(stage).EndpointName;
    const endpoint = await describeEndpoint(this.sagemaker, endpointName);
    if (!endpoint) return undefined;
    let modelName: string | undefined;
    let modelPackageArn: string | undefined;
    if (endpoint.EndpointConfigName) {
      const config = await describeEndpointConfig(this.sagemaker, endpoint.EndpointConfigName);
      modelName = config?.ProductionVariants?.[0]?.ModelName;
      if (modelName) modelPackageArn = await modelPackageOfModel(this.sagemaker, modelName);
    }
    return {
      endpointName,
      endpointStatus: endpoint.EndpointStatus,
      endpointConfigName: endpoint.EndpointConfigName,
      modelName,
      modelPackageArn,
      failureReason: endpoint.FailureReason,
    };
  }

  /** Works out what `deploy` would do, after the approval and promotion checks. Changes nothing. */
  async plan(stage: string, options: Omit<DeployOptions, 'dryRun'>): Promise<DeploymentPlan> {
    const config = this.stage(stage);
    this.progress(stage, config, 'check', 'checking approval, promotion and the current endpoint');
    const modelPackage =
      typeof options.modelPackage === 'string'
        ? await this.registry.describe(options.modelPackage)
        : await this.registry.describe(options.modelPackage.arn);
    if (modelPackage.approvalStatus !== 'Approved')
      throw new ModelPackageNotApprovedError(modelPackage.arn, modelPackage.approvalStatus);
    if (modelPackage.packageStatus && modelPackage.packageStatus !== 'Completed')
      throw new ModelPackageNotReadyError(modelPackage.arn, modelPackage.packageStatus);

    const source = this.promotionSource(stage);
    if (source && !options.force) {
      const sourceServing = await this.serving(source);
      const inService = sourceServing?.endpointStatus === 'InService' ? sourceServing.modelPackageArn : undefined;
      if (inService !== modelPackage.arn) throw new PromotionRequiredError(stage, source, modelPackage.arn, inService);
    }

    const endpointName = config.EndpointName;
    const endpoint = await describeEndpoint(this.sagemaker, endpointName);
    if (endpoint?.EndpointStatus && BUSY_STATUSES.has(endpoint.EndpointStatus))
      throw new EndpointBusyError(endpointName, endpoint.EndpointStatus);
    const currentConfig = endpoint?.EndpointConfigName
      ? await describeEndpointConfig(this.sagemaker, endpoint.EndpointConfigName)
      : undefined;
    const currentPackage = currentConfig?.ProductionVariants?.[0]?.ModelName
      ? await modelPackageOfModel(this.sagemaker, currentConfig.ProductionVariants[0].ModelName)
      : undefined;
    const now = (this.options.now ?? (() => new Date()))();
    const name = resourceName({ endpointName, version: modelPackage.version, now });
    const desired = endpointConfigInput(config, { endpointConfigName: name, modelName: name });
    const upToDate =
      endpoint?.EndpointStatus === 'InService' &&
      currentPackage === modelPackage.arn &&
      !!currentConfig &&
      sameEndpointConfig(currentConfig, desired);

    const actions: PlannedAction[] = [];
    const failed = endpoint?.EndpointStatus === 'Failed';
    if (upToDate) {
      actions.push({
        action: 'keep',
        resource: 'Endpoint',
        name: endpointName,
        detail: `already serves version ${modelPackage.version} with this config (${endpoint.EndpointConfigName})`,
      });
    } else {
      actions.push({ action: 'create', resource: 'Model', name, detail: `from ${modelPackage.arn}` });
      actions.push({ action: 'create', resource: 'EndpointConfig', name, detail: variantSummary(config) });
      if (failed) {
        actions.push({
          action: 'delete',
          resource: 'Endpoint',
          name: endpointName,
          detail: `it is Failed (${endpoint.FailureReason ?? 'no reason given'}); a Failed endpoint can only be deleted`,
        });
        // The config it failed with never served: it is no rollback target, so it goes too.
        if (endpoint.EndpointConfigName) {
          actions.push({
            action: 'delete',
            resource: 'EndpointConfig',
            name: endpoint.EndpointConfigName,
            detail: "the Failed endpoint's config",
          });
          const failedModel = currentConfig?.ProductionVariants?.[0]?.ModelName;
          if (failedModel)
            actions.push({
              action: 'delete',
              resource: 'Model',
              name: failedModel,
              detail: `used by ${endpoint.EndpointConfigName}`,
            });
        }
      }
      actions.push(
        endpoint && !failed
          ? {
              action: 'update',
              resource: 'Endpoint',
              name: endpointName,
              detail: `${endpoint.EndpointConfigName} -> ${name}`,
            }
          : { action: 'create', resource: 'Endpoint', name: endpointName, detail: `with ${name}` },
      );
    }
    if (config.Type === 'RealTime' && config.AutoScaling) {
      const scaling = config.AutoScaling;
      actions.push({
        action: 'register',
        resource: 'ScalableTarget',
        name: scalableResourceId(endpointName, config.VariantName),
        detail: `instances ${scaling.MinCapacity}..${scaling.MaxCapacity}`,
      });
      actions.push({
        action: 'register',
        resource: 'ScalingPolicy',
        name: scalingPolicyName(endpointName),
        detail: `target ${scaling.TargetInvocationsPerInstance} invocations per instance per minute`,
      });
    } else if (
      config.Type === 'RealTime' &&
      endpoint &&
      this.options.applicationAutoScaling &&
      (await this.scaling.registered(endpointName, config.VariantName))
    ) {
      actions.push({
        action: 'deregister',
        resource: 'ScalableTarget',
        name: scalableResourceId(endpointName, config.VariantName),
        detail: 'the stage config has no AutoScaling',
      });
    }
    // After a rollout only the new config serves; the one it replaces becomes an old config like the rest.
    const cleanup = await this.cleanupActions(stage, [(upToDate && endpoint?.EndpointConfigName) || name]);
    actions.push(
      ...cleanup.filter(
        (c) => !actions.some((a) => a.action === 'delete' && a.resource === c.resource && a.name === c.name),
      ),
    );

    return {
      stage,
      endpointName,
      modelPackage,
      modelName: name,
      endpointConfigName: name,
      upToDate,
      currentEndpointConfigName: endpoint?.EndpointConfigName,
      actions,
    };
  }

  /**
   * Deploys an Approved model package version to a stage and waits until the endpoint is InService with it.
   * A failed rollout leaves the endpoint on its previous config and throws `DeploymentFailedError` with SageMaker's reason.
   */
  async deploy(stage: string, options: DeployOptions): Promise<DeployResult> {
    const plan = await this.plan(stage, options);
    if (options.dryRun) {
      (this.options.log ?? console.log)(formatPlan(plan));
      return { plan, executed: false };
    }
    const config = this.stage(stage);
    const { endpointName } = plan;
    if (!plan.upToDate) {
      const name = plan.endpointConfigName;
      const tags = Object.entries(config.Tags).map(([Key, Value]) => ({ Key, Value }));
      this.progress(stage, config, 'create-model', `creating model ${name} from ${plan.modelPackage.arn}`);
      await this.sagemaker.send(
        new CreateModelCommand({
          ModelName: name,
          PrimaryContainer: { ModelPackageName: plan.modelPackage.arn },
          ExecutionRoleArn: this.options.executionRoleArn,
          ...(tags.length > 0 ? { Tags: tags } : {}),
        }),
      );
      this.progress(
        stage,
        config,
        'create-endpoint-config',
        `creating endpoint config ${name} (${variantSummary(config)})`,
      );
      await this.sagemaker.send(
        new CreateEndpointConfigCommand({
          ...endpointConfigInput(config, { endpointConfigName: name, modelName: name }),
          ...(tags.length > 0 ? { Tags: tags } : {}),
        }),
      );

      const update = plan.actions.some((a) => a.resource === 'Endpoint' && a.action === 'update');
      if (plan.actions.some((a) => a.resource === 'Endpoint' && a.action === 'delete')) {
        this.progress(stage, config, 'create-endpoint', `deleting Failed endpoint ${endpointName}`);
        await this.sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpointName }));
        await waitUntilEndpointDeleted(endpointWaiter(this.sagemaker, this.options, this.onWaitStatus(stage, config)), {
          EndpointName: endpointName,
        });
        for (const action of plan.actions) {
          if (action.action !== 'delete' || action.detail?.startsWith('older')) continue;
          if (action.resource === 'EndpointConfig')
            await this.sagemaker
              .send(new DeleteEndpointConfigCommand({ EndpointConfigName: action.name }))
              .catch(ignoreNotFound);
          if (action.resource === 'Model')
            await this.sagemaker.send(new DeleteModelCommand({ ModelName: action.name })).catch(ignoreNotFound);
        }
      }
      // Application Auto Scaling refuses some endpoint updates of a registered variant: step it aside while rolling.
      const deregistered =
        update && this.scaling.uses(config) ? await this.scaling.deregister(endpointName, config.VariantName) : false;
      try {
        if (update) {
          this.progress(
            stage,
            config,
            'update-endpoint',
            `updating endpoint ${endpointName}: ${plan.currentEndpointConfigName} -> ${name}`,
          );
          await this.sagemaker.send(
            new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: name }),
          );
        } else {
          this.progress(stage, config, 'create-endpoint', `creating endpoint ${endpointName} with ${name}`);
          await this.sagemaker.send(
            new CreateEndpointCommand({
              EndpointName: endpointName,
              EndpointConfigName: name,
              ...(tags.length > 0 ? { Tags: tags } : {}),
            }),
          );
        }
        this.progress(stage, config, 'wait', `waiting for ${endpointName} to be InService with ${name}`);
        await waitForRollout(this.sagemaker, this.options, endpointName, name, this.onWaitStatus(stage, config));
      } catch (error) {
        if (update) {
          await this.discard(name);
          if (deregistered && config.Type === 'RealTime' && config.AutoScaling)
            await this.scaling.apply(config, (message) => this.progress(stage, config, 'auto-scaling', message));
        }
        throw error;
      }
    }
    await this.scaling.apply(config, (message) => this.progress(stage, config, 'auto-scaling', message));
    await this.cleanup(stage, { keep: [(plan.upToDate && plan.currentEndpointConfigName) || plan.endpointConfigName] });
    const endpoint = await describeEndpoint(this.sagemaker, endpointName);
    this.progress(
      stage,
      config,
      'done',
      `${endpointName} serves ${plan.modelPackage.arn} (version ${plan.modelPackage.version})`,
    );
    return { plan, executed: true, ...(endpoint?.EndpointArn ? { endpointArn: endpoint.EndpointArn } : {}) };
  }

  /**
   * Deletes the stage's old endpoint configs and their models, keeping the newest `keepLast` (default: the
   * deployer's) and always the one in service. Returns what it deleted (or would, with `dryRun`).
   */
  async cleanup(
    stage: string,
    options: { keepLast?: number; keep?: readonly string[]; dryRun?: boolean } = {},
  ): Promise<PlannedAction[]> {
    const config = this.stage(stage);
    const serving = (await describeEndpoint(this.sagemaker, config.EndpointName))?.EndpointConfigName;
    const actions = await this.cleanupActions(
      stage,
      [...(serving ? [serving] : []), ...(options.keep ?? [])],
      options.keepLast,
    );
    if (options.dryRun || actions.length === 0) return actions;
    this.progress(
      stage,
      config,
      'cleanup',
      `deleting ${actions.filter((a) => a.resource === 'EndpointConfig').length} old endpoint config(s)`,
    );
    for (const action of actions) {
      try {
        if (action.resource === 'EndpointConfig')
          await this.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: action.name }));
        if (action.resource === 'Model') await this.sagemaker.send(new DeleteModelCommand({ ModelName: action.name }));
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return actions;
  }

  private async cleanupActions(
    stage: string,
    keep: readonly string[],
    keepLast = this.options.keepLast ?? 3,
  ): Promise<PlannedAction[]> {
    const endpointName = this.stage(stage).EndpointName;
    // Newest first (the names end in a UTC stamp). `keep` may name a config about to be created.
    const sorted = (await stageEndpointConfigs(this.sagemaker, endpointName)).sort((a, b) =>
      stampOf(b).localeCompare(stampOf(a)),
    );
    const retained = new Set(keep);
    for (const name of sorted) {
      if (!retained.has(name) && retained.size < keepLast) retained.add(name);
    }
    const actions: PlannedAction[] = [];
    for (const name of sorted) {
      if (retained.has(name)) continue;
      actions.push({ action: 'delete', resource: 'EndpointConfig', name, detail: `older than the last ${keepLast}` });
      const model = (await describeEndpointConfig(this.sagemaker, name))?.ProductionVariants?.[0]?.ModelName;
      if (model) actions.push({ action: 'delete', resource: 'Model', name: model, detail: `used by ${name}` });
    }
    return actions;
  }

  /** Removes the model and config of a rollout that did not take (best effort: the error that matters is the rollout's). */
  private async discard(name: string): Promise<void> {
    await this.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name })).catch(() => undefined);
    await this.sagemaker.send(new DeleteModelCommand({ ModelName: name })).catch(() => undefined);
  }

  /** Reports each endpoint status change seen while waiting as a 'wait' progress event. */
  private onWaitStatus(stage: string, config: StageConfig): OnEndpointStatus {
    return (endpointStatus, elapsedMs) =>
      this.progress(stage, config, 'wait', `${config.EndpointName} is ${endpointStatus}`, {
        endpointStatus,
        elapsedMs,
      });
  }

  private progress(
    stage: string,
    config: StageConfig,
    phase: DeployProgress['phase'],
    message: string,
    extra: Partial<DeployProgress> = {},
  ): void {
    this.options.onProgress?.({ stage, endpointName: config.EndpointName, phase, message, ...extra });
  }
}
