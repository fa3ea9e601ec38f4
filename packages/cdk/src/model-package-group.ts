import { Duration, Stack } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { CfnModelPackageGroup } from 'aws-cdk-lib/aws-sagemaker';
import { resourceName, type StageConfig } from '@sagemaker-mlops/deploy-config';
import { Construct } from 'constructs';
import { InvalidConstructPropsError } from './errors.js';
import { addExplainedStatement } from './nag.js';
import { NodeFunction } from './node-function.js';
import { deployOnApprovalBundle } from './paths.js';
import { sagemakerArn } from './step-permissions.js';

export interface ModelPackageGroupProps {
  readonly modelPackageGroupName: string;
  readonly description?: string;
}

/** A model registry group (`AWS::SageMaker::ModelPackageGroup`) the pipeline's RegisterModel step registers into. */
export class ModelPackageGroup extends Construct {
  readonly resource: CfnModelPackageGroup;
  readonly modelPackageGroupName: string;
  readonly modelPackageGroupArn: string;
  /** ARN pattern of every version in the group. */
  readonly modelPackagesArn: string;

  constructor(scope: Construct, id: string, props: ModelPackageGroupProps) {
    super(scope, id);
    this.modelPackageGroupName = props.modelPackageGroupName;
    this.resource = new CfnModelPackageGroup(this, 'Resource', {
      modelPackageGroupName: props.modelPackageGroupName,
      ...(props.description ? { modelPackageGroupDescription: props.description } : {}),
    });
    const stack = Stack.of(this);
    this.modelPackageGroupArn = sagemakerArn(stack, 'model-package-group', props.modelPackageGroupName);
    this.modelPackagesArn = sagemakerArn(stack, 'model-package', `${props.modelPackageGroupName}/*`);
  }
}

export interface ApprovalDeploymentProps {
  readonly group: ModelPackageGroup;
  /** Stage name -> validated config (deploy-config's `parseStageConfig` / `loadStageConfig`). */
  readonly stages: Readonly<Record<string, StageConfig>>;
  /** The stage an approved version deploys to. Default `staging`. */
  readonly deployStage?: string;
  /** The role the deployed models run under (passed to CreateModel). */
  readonly modelExecutionRole: IRole;
  /** Longest wait for an endpoint to be InService; the function times out a minute later. Default 14 minutes. */
  readonly maxWait?: Duration;
}

/**
 * The approval wiring: an EventBridge rule on "SageMaker Model Package State Change" (Approved, this group) invokes a
 * Lambda that deploys the version to staging with deploy-config's `Deployer`. The same function promotes a version
 * to prod when invoked with `{"stage": "prod", "modelPackageArn": "..."}` (the Deployer checks that staging serves
 * it InService first). Its role may change only the stages' endpoints and the models and configs named after them.
 */
export class ApprovalDeployment extends Construct {
  readonly rule: Rule;
  readonly handler: NodeFunction;
  readonly deployStage: string;

  constructor(scope: Construct, id: string, props: ApprovalDeploymentProps) {
    super(scope, id);
    this.deployStage = props.deployStage ?? 'staging';
    if (!props.stages[this.deployStage]) {
      throw new InvalidConstructPropsError(
        `deployStage '${this.deployStage}' has no stage config (stages: ${Object.keys(props.stages).join(', ')})`,
      );
    }
    const maxWait = props.maxWait ?? Duration.minutes(14);
    this.handler = new NodeFunction(this, 'Deploy', {
      bundleDir: deployOnApprovalBundle(),
      description: `Deploys approved versions of ${props.group.modelPackageGroupName} to ${this.deployStage}; promotes on request`,
      timeout: Duration.seconds(Math.min(900, maxWait.toSeconds() + 60)),
      memorySize: 256,
      environment: {
        STAGE_CONFIGS: JSON.stringify(props.stages),
        MODEL_EXECUTION_ROLE_ARN: props.modelExecutionRole.roleArn,
        MODEL_PACKAGE_GROUP_NAME: props.group.modelPackageGroupName,
        DEPLOY_STAGE: this.deployStage,
        MAX_WAIT_SECONDS: String(maxWait.toSeconds()),
      },
    });
    for (const { statement, reason } of deployerStatements(Stack.of(this), props)) {
      addExplainedStatement(this.handler.role, statement, reason);
    }

    this.rule = new Rule(this, 'Approved', {
      description: `Approved versions of ${props.group.modelPackageGroupName} deploy to ${this.deployStage}`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        detail: {
          ModelPackageGroupName: [props.group.modelPackageGroupName],
          ModelApprovalStatus: ['Approved'],
        },
      },
      targets: [new LambdaTarget(this.handler.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
  }
}

/** Name prefix of the models and endpoint configs the Deployer creates for an endpoint. */
export function deployedResourcePrefix(endpointName: string): string {
  return resourceName({ endpointName, version: 1, now: new Date(0) }).replace(/-v1-\d+$/, '');
}

/** What deploy-config's `Deployer` calls, scoped to the stages' endpoints and the group's versions. */
export function deployerStatements(
  stack: Stack,
  props: Pick<ApprovalDeploymentProps, 'group' | 'stages' | 'modelExecutionRole'>,
): Array<{ statement: PolicyStatement; reason: string }> {
  const configs = Object.values(props.stages);
  const endpoints = configs.map((c) => sagemakerArn(stack, 'endpoint', c.EndpointName));
  const versioned = (resource: string) =>
    configs.map((c) => sagemakerArn(stack, resource, `${deployedResourcePrefix(c.EndpointName)}-v*`));
  const versionsReason = 'Versions of the group are numbered at registration; the ARN pattern is limited to this group';
  const namedReason =
    "The Deployer names models and endpoint configs <endpoint>-v<version>-<time stamp>; the pattern is limited to the stages' endpoints";
  const statements: Array<{ statement: PolicyStatement; reason: string }> = [
    {
      reason: versionsReason,
      statement: new PolicyStatement({
        sid: 'ReadApprovedVersions',
        actions: ['sagemaker:DescribeModelPackage'],
        resources: [props.group.modelPackagesArn],
      }),
    },
    {
      reason: namedReason,
      statement: new PolicyStatement({
        sid: 'StageEndpoints',
        actions: [
          'sagemaker:CreateEndpoint',
          'sagemaker:UpdateEndpoint',
          'sagemaker:DescribeEndpoint',
          'sagemaker:DeleteEndpoint',
          'sagemaker:AddTags',
        ],
        resources: endpoints,
      }),
    },
    {
      reason: namedReason,
      statement: new PolicyStatement({
        sid: 'DeployedModelsAndConfigs',
        actions: [
          'sagemaker:CreateModel',
          'sagemaker:DescribeModel',
          'sagemaker:DeleteModel',
          'sagemaker:CreateEndpointConfig',
          'sagemaker:DescribeEndpointConfig',
          'sagemaker:DeleteEndpointConfig',
          'sagemaker:AddTags',
        ],
        resources: [...versioned('model'), ...versioned('endpoint-config')],
      }),
    },
    {
      reason:
        "ListEndpointConfigs has no resource-level permissions (the Deployer lists a stage's configs to keep the last few)",
      statement: new PolicyStatement({
        sid: 'ListConfigsForCleanup',
        // List actions take no resource ARN.
        actions: ['sagemaker:ListEndpointConfigs'],
        resources: ['*'],
      }),
    },
    {
      reason: namedReason,
      statement: new PolicyStatement({
        sid: 'PassModelRole',
        actions: ['iam:PassRole'],
        resources: [props.modelExecutionRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    },
  ];
  if (configs.some((c) => c.Type === 'RealTime' && c.AutoScaling)) {
    statements.push(
      {
        reason:
          'Application Auto Scaling has no resource-level permissions for scalable targets and policies of SageMaker variants',
        statement: new PolicyStatement({
          sid: 'EndpointAutoScaling',
          // Application Auto Scaling has no resource-level permissions for these actions.
          actions: [
            'application-autoscaling:RegisterScalableTarget',
            'application-autoscaling:DeregisterScalableTarget',
            'application-autoscaling:DescribeScalableTargets',
            'application-autoscaling:PutScalingPolicy',
            'application-autoscaling:DescribeScalingPolicies',
            'application-autoscaling:DeleteScalingPolicy',
          ],
          resources: ['*'],
        }),
      },
      {
        reason: 'The service-linked role of SageMaker endpoint auto scaling, by its fixed name',
        statement: new PolicyStatement({
          sid: 'AutoScalingServiceLinkedRole',
          actions: ['iam:CreateServiceLinkedRole'],
          resources: [
            stack.formatArn({
              service: 'iam',
              region: '',
              resource: 'role',
              resourceName:
                'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
            }),
          ],
          conditions: { StringLike: { 'iam:AWSServiceName': 'sagemaker.application-autoscaling.amazonaws.com' } },
        }),
      },
    );
  }
  return statements;
}
