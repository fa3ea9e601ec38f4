import {
  ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  type CreateEndpointConfigCommandInput,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  DescribeEndpointConfigCommand,
  type DescribeEndpointConfigCommandOutput,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  type ProductionVariantInstanceType,
  SageMakerClient,
  UpdateEndpointCommand,
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
} from '@aws-sdk/client-sagemaker';
import type { StageConfig } from './config/schema.js';
import {
  DeploymentFailedError,
  EndpointBusyError,
  ModelPackageNotApprovedError,
  ModelPackageNotReadyError,
  PromotionRequiredError,
  StageNotConfiguredError,
} from './errors.js';
import { isNotFound, ModelRegistry, type ModelPackageVersion } from './registry.js';

export type PlannedActionKind = 'create' | 'update' | 'delete' | 'register' | 'deregister' | 'keep';
export type PlannedResource = 'Model' | 'EndpointConfig' | 'Endpoint' | 'ScalableTarget' | 'ScalingPolicy';

/** One step of a deployment, in the order it runs. */
export interface PlannedAction {
  readonly action: PlannedActionKind;
  readonly resource: PlannedResource;
  readonly name: string;
  readonly detail?: string;
}

export interface DeploymentPlan {
  readonly stage: string;
  readonly endpointName: string;
  readonly modelPackage: ModelPackageVersion;
  /** Names the new model and endpoint config get (unused when `upToDate`). */
  readonly modelName: string;
  readonly endpointConfigName: string;
  /** The endpoint already serves this package version with this config: nothing to roll out. */
  readonly upToDate: boolean;
  /** The endpoint config serving now, if the endpoint exists. */
  readonly currentEndpointConfigName: string | undefined;
  readonly actions: readonly PlannedAction[];
}

export interface DeployProgress {
  readonly stage: string;
  readonly endpointName: string;
  readonly phase:
    | 'check'
    | 'create-model'
    | 'create-endpoint-config'
    | 'create-endpoint'
    | 'update-endpoint'
    | 'wait'
    | 'auto-scaling'
    | 'cleanup'
    | 'done';
  readonly message: string;
  /** While waiting: the endpoint's status at the last poll. */
  readonly endpointStatus?: string;
  /** While waiting: time since the wait began. */
  readonly elapsedMs?: number;
}

export interface DeployResult {
  readonly plan: DeploymentPlan;
  /** False for a dry run. */
  readonly executed: boolean;
  readonly endpointArn?: string;
}

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

export interface DeployerOptions {
  /** Stage name → its config (from `loadStageConfig` / `parseStageConfig`). */
  readonly stages: Readonly<Record<string, StageConfig>>;
  /** Role the models run under (`ExecutionRoleArn` of CreateModel). */
  readonly executionRoleArn: string;
  /** Defaults to a client from the default credential chain. */
  readonly sagemaker?: SageMakerClient;
  /** Used for stages with `AutoScaling`; defaults to a client from the default credential chain. */
  readonly applicationAutoScaling?: ApplicationAutoScalingClient;
  /**
   * Stage → the stage a version must be in service on before it may deploy there.
   * Defaults to `{ prod: 'staging' }` when both stages are configured.
   */
  readonly promotion?: Readonly<Record<string, string>>;
  /** Endpoint configs (and their models) kept per stage, the serving one included. Default 3. */
  readonly keepLast?: number;
  /** Longest wait for InService, milliseconds. Default 1,800,000 (30 minutes). */
  readonly timeoutMs?: number;
  /** Poll delays of the SDK waiter, milliseconds. Default 5,000 and 30,000. */
  readonly minPollDelayMs?: number;
  readonly maxPollDelayMs?: number;
  readonly onProgress?: (event: DeployProgress) => void;
  /** Where a dry run prints its plan. Default `console.log`. */
  readonly log?: (line: string) => void;
  /** Clock for the time stamp in resource names. */
  readonly now?: () => Date;
}

export interface DeployOptions {
  /** The model package version (ARN or a version from `ModelRegistry`). */
  readonly modelPackage: string | ModelPackageVersion;
  /** Skip the promotion check (deploy to prod what staging never served). The approval check always applies. */
  readonly force?: boolean;
  /** Work out and print the plan, change nothing. */
  readonly dryRun?: boolean;
}

/** What a stage's endpoint serves now. */
export interface ServingState {
  readonly endpointName: string;
  readonly endpointStatus: string | undefined;
  readonly endpointConfigName: string | undefined;
  readonly modelName: string | undefined;
  readonly modelPackageArn: string | undefined;
  readonly failureReason: string | undefined;
}

/** Endpoint states in which SageMaker accepts no UpdateEndpoint. */
const BUSY_STATUSES = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting']);

const SCALABLE_DIMENSION = 'sagemaker:variant:DesiredInstanceCount' as const;

/**
 * Deploys approved model package versions to stage endpoints: serverless staging, real-time prod.
 * Each deployment creates a model and an endpoint config named after the package version and rolls the endpoint
 * onto them; the previous config keeps serving until the new one is InService.
 */
export class Deployer {
  readonly sagemaker: SageMakerClient;
  private readonly registry: ModelRegistry;
  private autoScalingClient: ApplicationAutoScalingClient | undefined;
  private readonly options: DeployerOptions;

  constructor(options: DeployerOptions) {
    this.options = options;
    this.sagemaker = options.sagemaker ?? new SageMakerClient({});
    this.autoScalingClient = options.applicationAutoScaling;
    this.registry = new ModelRegistry({ sagemaker: this.sagemaker });
  }

  private get autoScaling(): ApplicationAutoScalingClient {
    this.autoScalingClient ??= new ApplicationAutoScalingClient({});
    return this.autoScalingClient;
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
    const endpoint = await this.describeEndpoint(endpointName);
    if (!endpoint) return undefined;
    let modelName: string | undefined;
    let modelPackageArn: string | undefined;
    if (endpoint.EndpointConfigName) {
      const config = await this.describeEndpointConfig(endpoint.EndpointConfigName);
      modelName = config?.ProductionVariants?.[0]?.ModelName;
      if (modelName) modelPackageArn = await this.modelPackageOfModel(modelName);
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
    const endpoint = await this.describeEndpoint(endpointName);
    if (endpoint?.EndpointStatus && BUSY_STATUSES.has(endpoint.EndpointStatus))
      throw new EndpointBusyError(endpointName, endpoint.EndpointStatus);
    const currentConfig = endpoint?.EndpointConfigName
      ? await this.describeEndpointConfig(endpoint.EndpointConfigName)
      : undefined;
    const currentPackage = currentConfig?.ProductionVariants?.[0]?.ModelName
      ? await this.modelPackageOfModel(currentConfig.ProductionVariants[0].ModelName)
      : undefined;
    const name = resourceName(endpointName, modelPackage.version, (this.options.now ?? (() => new Date()))());
    const desired = endpointConfigInput(config, name, name);
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
      (await this.scalableTarget(endpointName, config.VariantName))
    ) {
      actions.push({
        action: 'deregister',
        resource: 'ScalableTarget',
        name: scalableResourceId(endpointName, config.VariantName),
        detail: 'the stage config has no AutoScaling',
      });
    }
    // After a rollout only the new config serves; the one it replaces becomes an old config like the rest.
    const cleanup = await this.cleanupActions(stage, [upToDate ? endpoint.EndpointConfigName! : name]);
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
          ...endpointConfigInput(config, name, name),
          ...(tags.length > 0 ? { Tags: tags } : {}),
        }),
      );

      const update = plan.actions.some((a) => a.resource === 'Endpoint' && a.action === 'update');
      if (plan.actions.some((a) => a.resource === 'Endpoint' && a.action === 'delete')) {
        this.progress(stage, config, 'create-endpoint', `deleting Failed endpoint ${endpointName}`);
        await this.sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpointName }));
        await waitUntilEndpointDeleted(this.waiterConfig(stage, config), { EndpointName: endpointName });
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
        update && this.usesAutoScaling(config) ? await this.deregisterScaling(endpointName, config.VariantName) : false;
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
        await this.waitForRollout(stage, config, name);
      } catch (error) {
        if (update) {
          await this.discard(name);
          if (deregistered && config.Type === 'RealTime' && config.AutoScaling) await this.applyScaling(stage, config);
        }
        throw error;
      }
    }
    await this.applyScaling(stage, config);
    await this.cleanup(stage, { keep: [plan.upToDate ? plan.currentEndpointConfigName! : plan.endpointConfigName] });
    const endpoint = await this.describeEndpoint(endpointName);
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
    const serving = (await this.describeEndpoint(config.EndpointName))?.EndpointConfigName;
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
    const sorted = (await this.stageEndpointConfigs(endpointName)).sort((a, b) => stampOf(b).localeCompare(stampOf(a)));
    const retained = new Set(keep);
    for (const name of sorted) {
      if (!retained.has(name) && retained.size < keepLast) retained.add(name);
    }
    const actions: PlannedAction[] = [];
    for (const name of sorted) {
      if (retained.has(name)) continue;
      actions.push({ action: 'delete', resource: 'EndpointConfig', name, detail: `older than the last ${keepLast}` });
      const model = (await this.describeEndpointConfig(name))?.ProductionVariants?.[0]?.ModelName;
      if (model) actions.push({ action: 'delete', resource: 'Model', name: model, detail: `used by ${name}` });
    }
    return actions;
  }

  private async stageEndpointConfigs(endpointName: string): Promise<string[]> {
    const prefix = `${endpointName.slice(0, PREFIX_MAX)}-v`;
    const pattern = new RegExp(`^${escapeRegExp(prefix)}\\d+-\\d{17}$`);
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sagemaker.send(
        new ListEndpointConfigsCommand({ NameContains: prefix, MaxResults: 100, NextToken: nextToken }),
      );
      for (const summary of page.EndpointConfigs ?? []) {
        if (summary.EndpointConfigName && pattern.test(summary.EndpointConfigName))
          names.push(summary.EndpointConfigName);
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return names;
  }

  private async waitForRollout(stage: string, config: StageConfig, endpointConfigName: string): Promise<void> {
    const endpointName = config.EndpointName;
    this.progress(stage, config, 'wait', `waiting for ${endpointName} to be InService with ${endpointConfigName}`);
    let waitError: unknown;
    try {
      await waitUntilEndpointInService(this.waiterConfig(stage, config), { EndpointName: endpointName });
    } catch (error) {
      waitError = error;
    }
    const endpoint = await this.describeEndpoint(endpointName);
    if (!waitError && endpoint?.EndpointConfigName === endpointConfigName) return;
    // Either the endpoint failed, or SageMaker rolled an update back to the previous config (InService again).
    const servingPrevious =
      endpoint?.EndpointStatus === 'InService' && endpoint.EndpointConfigName !== endpointConfigName
        ? endpoint.EndpointConfigName
        : undefined;
    const reason =
      endpoint?.FailureReason ??
      (waitError && (waitError as Error).name === 'TimeoutError'
        ? `not InService after ${(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s (status ${endpoint?.EndpointStatus})`
        : undefined) ??
      (endpoint
        ? `endpoint is ${endpoint.EndpointStatus} on ${endpoint.EndpointConfigName}`
        : 'the endpoint disappeared');
    throw new DeploymentFailedError(endpointName, endpointConfigName, reason, servingPrevious, { cause: waitError });
  }

  /** The SDK waiter, with a client whose DescribeEndpoint answers are reported as progress. */
  private waiterConfig(stage: string, config: StageConfig) {
    const started = Date.now();
    let lastStatus: string | undefined;
    const observed = new Proxy(this.sagemaker, {
      get: (target, property, receiver) => {
        if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
        return async (command: Parameters<SageMakerClient['send']>[0]) => {
          const output = (await target.send(command)) as DescribeEndpointCommandOutput;
          if (command instanceof DescribeEndpointCommand && output.EndpointStatus !== lastStatus) {
            lastStatus = output.EndpointStatus;
            this.progress(stage, config, 'wait', `${config.EndpointName} is ${output.EndpointStatus}`, {
              endpointStatus: output.EndpointStatus,
              elapsedMs: Date.now() - started,
            });
          }
          return output;
        };
      },
    });
    return {
      client: observed,
      // The SDK waiters count in seconds; our options, like every duration in these packages, in milliseconds.
      maxWaitTime: (this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000,
      minDelay: (this.options.minPollDelayMs ?? 5_000) / 1000,
      maxDelay: (this.options.maxPollDelayMs ?? 30_000) / 1000,
    };
  }

  private async applyScaling(stage: string, config: StageConfig): Promise<void> {
    if (config.Type !== 'RealTime') return;
    const resourceId = scalableResourceId(config.EndpointName, config.VariantName);
    if (!config.AutoScaling) {
      if (
        this.options.applicationAutoScaling &&
        (await this.deregisterScaling(config.EndpointName, config.VariantName))
      ) {
        this.progress(
          stage,
          config,
          'auto-scaling',
          `deregistered ${resourceId} (the stage config has no AutoScaling)`,
        );
      }
      return;
    }
    const scaling = config.AutoScaling;
    this.progress(
      stage,
      config,
      'auto-scaling',
      `registering ${resourceId}: ${scaling.MinCapacity}..${scaling.MaxCapacity} instances, target ${scaling.TargetInvocationsPerInstance} invocations/instance`,
    );
    await this.autoScaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: resourceId,
        ScalableDimension: SCALABLE_DIMENSION,
        MinCapacity: scaling.MinCapacity,
        MaxCapacity: scaling.MaxCapacity,
      }),
    );
    await this.autoScaling.send(
      new PutScalingPolicyCommand({
        PolicyName: scalingPolicyName(config.EndpointName),
        ServiceNamespace: 'sagemaker',
        ResourceId: resourceId,
        ScalableDimension: SCALABLE_DIMENSION,
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: scaling.TargetInvocationsPerInstance,
          PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
          ScaleInCooldown: scaling.ScaleInCooldownSeconds,
          ScaleOutCooldown: scaling.ScaleOutCooldownSeconds,
        },
      }),
    );
  }

  /**
   * Application Auto Scaling is only called for stages that scale, or when a client was injected (then a stage whose
   * config dropped AutoScaling is deregistered). Local mode has no Application Auto Scaling and needs neither.
   */
  private usesAutoScaling(config: StageConfig): config is Extract<StageConfig, { Type: 'RealTime' }> {
    return config.Type === 'RealTime' && (!!config.AutoScaling || !!this.options.applicationAutoScaling);
  }

  private async scalableTarget(endpointName: string, variantName: string): Promise<boolean> {
    const output = await this.autoScaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'sagemaker',
        ResourceIds: [scalableResourceId(endpointName, variantName)],
        ScalableDimension: SCALABLE_DIMENSION,
      }),
    );
    return (output.ScalableTargets ?? []).length > 0;
  }

  /** Deregisters the variant's scalable target (its policies go with it). Returns whether one existed. */
  private async deregisterScaling(endpointName: string, variantName: string): Promise<boolean> {
    if (!(await this.scalableTarget(endpointName, variantName))) return false;
    await this.autoScaling.send(
      new DeregisterScalableTargetCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: scalableResourceId(endpointName, variantName),
        ScalableDimension: SCALABLE_DIMENSION,
      }),
    );
    return true;
  }

  /** Removes the model and config of a rollout that did not take (best effort: the error that matters is the rollout's). */
  private async discard(name: string): Promise<void> {
    await this.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name })).catch(() => undefined);
    await this.sagemaker.send(new DeleteModelCommand({ ModelName: name })).catch(() => undefined);
  }

  private async describeEndpoint(endpointName: string): Promise<DescribeEndpointCommandOutput | undefined> {
    try {
      return await this.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async describeEndpointConfig(name: string): Promise<DescribeEndpointConfigCommandOutput | undefined> {
    try {
      return await this.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async modelPackageOfModel(modelName: string): Promise<string | undefined> {
    try {
      const model = await this.sagemaker.send(new DescribeModelCommand({ ModelName: modelName }));
      return model.PrimaryContainer?.ModelPackageName ?? model.Containers?.[0]?.ModelPackageName;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
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

/** The CreateEndpointConfig request for a stage config. */
export function endpointConfigInput(
  config: StageConfig,
  endpointConfigName: string,
  modelName: string,
): CreateEndpointConfigCommandInput {
  const variant =
    config.Type === 'Serverless'
      ? {
          VariantName: config.VariantName,
          ModelName: modelName,
          ServerlessConfig: {
            MemorySizeInMB: config.ServerlessConfig.MemorySizeInMB,
            MaxConcurrency: config.ServerlessConfig.MaxConcurrency,
            ...(config.ServerlessConfig.ProvisionedConcurrency !== undefined
              ? { ProvisionedConcurrency: config.ServerlessConfig.ProvisionedConcurrency }
              : {}),
          },
        }
      : {
          VariantName: config.VariantName,
          ModelName: modelName,
          // The schema checks the ml.* shape; the SDK's enum lags behind new instance types.
          InstanceType: config.InstanceType as ProductionVariantInstanceType,
          InitialInstanceCount: config.InitialInstanceCount,
          InitialVariantWeight: 1,
        };
  const capture = config.Type === 'RealTime' ? config.DataCapture : undefined;
  return {
    EndpointConfigName: endpointConfigName,
    ProductionVariants: [variant],
    ...(config.KmsKeyId ? { KmsKeyId: config.KmsKeyId } : {}),
    ...(capture
      ? {
          DataCaptureConfig: {
            EnableCapture: true,
            InitialSamplingPercentage: capture.SamplingPercentage,
            DestinationS3Uri: capture.DestinationS3Uri,
            CaptureOptions: capture.CaptureContent.map((CaptureMode) => ({ CaptureMode })),
            ...(capture.KmsKeyId ? { KmsKeyId: capture.KmsKeyId } : {}),
          },
        }
      : {}),
  };
}

function sameEndpointConfig(
  current: DescribeEndpointConfigCommandOutput,
  desired: CreateEndpointConfigCommandInput,
): boolean {
  const a = current.ProductionVariants?.[0];
  const b = desired.ProductionVariants?.[0];
  if (!a || !b || (current.ProductionVariants?.length ?? 0) !== 1) return false;
  const same = (x: unknown, y: unknown) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  return (
    a.VariantName === b.VariantName &&
    same(a.InstanceType, b.InstanceType) &&
    same(a.InitialInstanceCount, b.InitialInstanceCount) &&
    same(a.ServerlessConfig?.MemorySizeInMB, b.ServerlessConfig?.MemorySizeInMB) &&
    same(a.ServerlessConfig?.MaxConcurrency, b.ServerlessConfig?.MaxConcurrency) &&
    same(a.ServerlessConfig?.ProvisionedConcurrency, b.ServerlessConfig?.ProvisionedConcurrency) &&
    same(current.KmsKeyId || undefined, desired.KmsKeyId) &&
    same(
      current.DataCaptureConfig?.EnableCapture ? current.DataCaptureConfig.InitialSamplingPercentage : undefined,
      desired.DataCaptureConfig?.InitialSamplingPercentage,
    ) &&
    same(
      current.DataCaptureConfig?.EnableCapture ? current.DataCaptureConfig.DestinationS3Uri : undefined,
      desired.DataCaptureConfig?.DestinationS3Uri,
    )
  );
}

function variantSummary(config: StageConfig): string {
  if (config.Type === 'Serverless') {
    const s = config.ServerlessConfig;
    return `serverless ${s.MemorySizeInMB} MB, max concurrency ${s.MaxConcurrency}${s.ProvisionedConcurrency ? `, provisioned ${s.ProvisionedConcurrency}` : ''}`;
  }
  return `${config.InitialInstanceCount} x ${config.InstanceType}${config.DataCapture ? `, data capture ${config.DataCapture.SamplingPercentage}% to ${config.DataCapture.DestinationS3Uri}` : ''}`;
}

/** A deployment plan for humans, one action per line. */
export function formatPlan(plan: DeploymentPlan): string {
  const head = `Plan for stage ${plan.stage} (endpoint ${plan.endpointName}): model package ${plan.modelPackage.arn} (version ${plan.modelPackage.version})`;
  const width = Math.max(...plan.actions.map((a) => a.action.length));
  const lines = plan.actions.map(
    (a) => `  ${a.action.padEnd(width)}  ${a.resource} ${a.name}${a.detail ? ` — ${a.detail}` : ''}`,
  );
  return [head, ...lines].join('\n');
}

// `<endpoint>-v<version>-<17-digit UTC stamp>` stays within SageMaker's 63 characters.
const STAMP_LENGTH = 17;
const PREFIX_MAX = 63 - STAMP_LENGTH - 2 - 1 - 6;

/** Name of the model and endpoint config of one deployment: endpoint name, package version, UTC time stamp. */
export function resourceName(endpointName: string, version: number, now: Date): string {
  const stamp = now.toISOString().replace(/[-:TZ.]/g, '');
  return `${endpointName.slice(0, PREFIX_MAX).replace(/-+$/, '')}-v${version}-${stamp}`;
}

function stampOf(name: string): string {
  return name.slice(-STAMP_LENGTH);
}

export function scalableResourceId(endpointName: string, variantName: string): string {
  return `endpoint/${endpointName}/variant/${variantName}`;
}

function scalingPolicyName(endpointName: string): string {
  return `${endpointName}-invocations-per-instance`;
}

function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
