/** Application Auto Scaling of a real-time stage's variant: register, put the target-tracking policy, deregister. */
import {
  ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import type { StageConfig } from '../config/schema.js';

const SCALABLE_DIMENSION = 'sagemaker:variant:DesiredInstanceCount' as const;

export function scalableResourceId(endpointName: string, variantName: string): string {
  return `endpoint/${endpointName}/variant/${variantName}`;
}

export function scalingPolicyName(endpointName: string): string {
  return `${endpointName}-invocations-per-instance`;
}

export class VariantAutoScaling {
  private client: ApplicationAutoScalingClient | undefined;

  /** `injected`: the caller's client, if any; otherwise one is made from the default chain on first use. */
  constructor(private readonly injected: ApplicationAutoScalingClient | undefined) {
    this.client = injected;
  }

  private get autoScaling(): ApplicationAutoScalingClient {
    this.client ??= new ApplicationAutoScalingClient({});
    return this.client;
  }

  /**
   * Application Auto Scaling is only called for stages that scale, or when a client was injected (then a stage whose
   * config dropped AutoScaling is deregistered). Local mode has no Application Auto Scaling and needs neither.
   */
  uses(config: StageConfig): config is Extract<StageConfig, { Type: 'RealTime' }> {
    return config.Type === 'RealTime' && (!!config.AutoScaling || !!this.injected);
  }

  /** Brings the variant's scaling in line with the stage config; `report` hears what was done. */
  async apply(config: StageConfig, report: (message: string) => void): Promise<void> {
    if (config.Type !== 'RealTime') return;
    const resourceId = scalableResourceId(config.EndpointName, config.VariantName);
    if (!config.AutoScaling) {
      if (this.injected && (await this.deregister(config.EndpointName, config.VariantName))) {
        report(`deregistered ${resourceId} (the stage config has no AutoScaling)`);
      }
      return;
    }
    const scaling = config.AutoScaling;
    report(
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

  /** Whether the variant is registered as a scalable target. */
  async registered(endpointName: string, variantName: string): Promise<boolean> {
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
  async deregister(endpointName: string, variantName: string): Promise<boolean> {
    if (!(await this.registered(endpointName, variantName))) return false;
    await this.autoScaling.send(
      new DeregisterScalableTargetCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: scalableResourceId(endpointName, variantName),
        ScalableDimension: SCALABLE_DIMENSION,
      }),
    );
    return true;
  }
}
