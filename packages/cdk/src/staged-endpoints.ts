import { CfnResource } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import {
  endpointConfigProperties,
  modelProperties,
  type StageConfig,
  scalableResourceId,
  scalableTargetProperties,
  scalingPolicyProperties,
} from '@sagemaker-mlops/deploy-config';
import { Construct } from 'constructs';
import { InvalidConstructPropsError } from './errors.js';

export interface StagedEndpointsProps {
  /** Stage name -> validated config (deploy-config's `parseStageConfig` / `loadStageConfig`). */
  readonly stages: Readonly<Record<string, StageConfig>>;
  /** Stage name -> the model package version (ARN) it serves. Every stage needs one. */
  readonly modelPackageArns: Readonly<Record<string, string>>;
  /** The role the models run under. */
  readonly modelExecutionRole: IRole;
}

/** The resources of one stage. */
export interface StageEndpoint {
  readonly config: StageConfig;
  readonly model: CfnResource;
  readonly endpointConfig: CfnResource;
  readonly endpoint: CfnResource;
  readonly scalableTarget?: CfnResource;
  readonly scalingPolicy?: CfnResource;
  readonly endpointName: string;
}

/**
 * The stages' endpoints declared in CloudFormation from deploy-config stage configs: a serverless staging endpoint and
 * a real-time prod endpoint with data capture and target-tracking auto scaling. The resource properties come from the
 * same builders as deploy-config's own `endpointCloudFormationTemplate()` and the `Deployer`'s requests.
 * Changing a stage's model package ARN and deploying rolls the endpoint onto a new model and config (CloudFormation
 * replaces them; the endpoint itself is updated in place).
 */
export class StagedEndpoints extends Construct {
  readonly stages: Readonly<Record<string, StageEndpoint>>;

  constructor(scope: Construct, id: string, props: StagedEndpointsProps) {
    super(scope, id);
    const stages: Record<string, StageEndpoint> = {};
    for (const [stage, config] of Object.entries(props.stages)) {
      const modelPackageArn = props.modelPackageArns[stage];
      if (!modelPackageArn) {
        throw new InvalidConstructPropsError(`stage '${stage}' has no model package ARN in modelPackageArns`);
      }
      stages[stage] = this.stage(stage, config, modelPackageArn, props.modelExecutionRole);
    }
    this.stages = stages;
  }

  private stage(stage: string, config: StageConfig, modelPackageArn: string, role: IRole): StageEndpoint {
    const scope = new Construct(this, stage);
    const cfnTags = Object.entries({ ...config.Tags, 'sagemaker:deployment-stage': config.StageName }).map(
      ([Key, Value]) => ({ Key, Value }),
    );
    const model = new CfnResource(scope, 'Model', {
      type: 'AWS::SageMaker::Model',
      properties: {
        ...modelProperties({ modelPackageName: modelPackageArn, executionRoleArn: role.roleArn }),
        Tags: cfnTags,
      },
    });
    // The model's role must be able to act before SageMaker validates the model.
    model.node.addDependency(role);
    const endpointConfig = new CfnResource(scope, 'EndpointConfig', {
      type: 'AWS::SageMaker::EndpointConfig',
      properties: { ...endpointConfigProperties(config, model.getAtt('ModelName').toString()), Tags: cfnTags },
    });
    const endpoint = new CfnResource(scope, 'Endpoint', {
      type: 'AWS::SageMaker::Endpoint',
      properties: {
        EndpointName: config.EndpointName,
        EndpointConfigName: endpointConfig.getAtt('EndpointConfigName').toString(),
        Tags: cfnTags,
      },
    });
    const result: StageEndpoint = { config, model, endpointConfig, endpoint, endpointName: config.EndpointName };
    if (config.Type !== 'RealTime' || !config.AutoScaling) return result;
    const scaling = config.AutoScaling;
    const scalableTarget = new CfnResource(scope, 'ScalableTarget', {
      type: 'AWS::ApplicationAutoScaling::ScalableTarget',
      properties: scalableTargetProperties({
        resourceId: scalableResourceId(config.EndpointName, config.VariantName),
        minCapacity: scaling.MinCapacity,
        maxCapacity: scaling.MaxCapacity,
      }),
    });
    scalableTarget.node.addDependency(endpoint);
    const scalingPolicy = new CfnResource(scope, 'ScalingPolicy', {
      type: 'AWS::ApplicationAutoScaling::ScalingPolicy',
      properties: scalingPolicyProperties({
        policyName: `${config.EndpointName}-invocations-per-instance`,
        scalingTargetId: scalableTarget.ref,
        targetInvocationsPerInstance: scaling.TargetInvocationsPerInstance,
        scaleInCooldownSeconds: scaling.ScaleInCooldownSeconds,
        scaleOutCooldownSeconds: scaling.ScaleOutCooldownSeconds,
      }),
    });
    return { ...result, scalableTarget, scalingPolicy };
  }
}
