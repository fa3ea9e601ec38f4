import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { StageConfig } from '@sagemaker-mlops/deploy-config';
import type { PackagedSourceDir, Pipeline } from '@sagemaker-mlops/pipeline-sdk';
import { Construct } from 'constructs';
import { InvalidConstructPropsError } from './errors.js';
import { FrontEndFunction, WebhookBridgeFunction } from './functions.js';
import { ApprovalDeployment, ModelPackageGroup } from './model-package-group.js';
import { modelExecutionRole } from './model-role.js';
import { type PipelineContext, SageMakerPipeline } from './pipeline.js';
import { StagedEndpoints } from './staged-endpoints.js';

/** What the pipeline factory of `MlopsLoop` gets. */
export interface MlopsLoopContext extends PipelineContext {
  readonly lakeBucketName: string;
  /** `s3://<lake bucket>/<lake prefix>` */
  readonly lakeUri: string;
  readonly modelPackageGroupName: string;
}

export interface MlopsLoopProps {
  /** Builds the pipeline (preprocess, train, evaluate, register into `modelPackageGroupName`). */
  readonly pipeline: (context: MlopsLoopContext) => Pipeline;
  /** Source folders for the jobs, packaged with pipeline-sdk's `packageSourceDir`; uploaded as CDK assets. */
  readonly code?: Readonly<Record<string, PackagedSourceDir>>;
  readonly modelPackageGroupName: string;
  /** The two stages (deploy-config stage configs): serverless staging, real-time prod. */
  readonly stages: { readonly staging: StageConfig; readonly prod: StageConfig };
  /**
   * How versions reach the endpoints. `on-approval` (default): approving a version deploys it to staging (EventBridge +
   * the Deployer Lambda) and prod is a promotion call to the same function; no endpoint exists until the first
   * approval. `{ modelPackageArns }`: the endpoints are CloudFormation resources serving the versions given.
   */
  readonly deployment?:
    | 'on-approval'
    | { readonly modelPackageArns: { readonly staging: string; readonly prod: string } };
  /** The data lake; default a new encrypted, private bucket (named `lakeBucketName` when given) with access logs. */
  readonly lakeBucket?: IBucket;
  readonly lakeBucketName?: string;
  /** Default `lake`. */
  readonly lakePrefix?: string;
  /** Annotations per pipeline execution started by the webhook bridge. */
  readonly annotationThreshold: number;
  /** Pipeline parameter that receives the lake URI when the bridge starts an execution. */
  readonly pipelineParameterName?: string;
  readonly labelStudioUrl?: string;
  /** The web front-end's Lambda bundle folder; without it no front-end is created. */
  readonly frontEndBundleDir?: string;
  /** ECR repositories of the job and model images; default the AWS Deep Learning Containers registry. */
  readonly imageRepositoryArns?: readonly string[];
}

/**
 * The seed's whole MLOps loop in one construct: data lake, SageMaker pipeline, model registry group, deployment of
 * approved versions to serverless staging and promotion to real-time prod, the Label Studio webhook bridge and the
 * web front-end.
 */
export class MlopsLoop extends Construct {
  readonly lakeBucket: IBucket;
  readonly lakePrefix: string;
  readonly pipeline: SageMakerPipeline;
  readonly modelPackageGroup: ModelPackageGroup;
  readonly modelExecutionRole: IRole;
  readonly approvalDeployment?: ApprovalDeployment;
  readonly endpoints?: StagedEndpoints;
  readonly webhookBridge: WebhookBridgeFunction;
  readonly frontEnd?: FrontEndFunction;

  constructor(scope: Construct, id: string, props: MlopsLoopProps) {
    super(scope, id);
    // Access logs are delivered under a bucket policy rather than the legacy LogDeliveryWrite ACL (cfn-lint W3045).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const { staging, prod } = props.stages;
    if (staging.Type !== 'Serverless' || prod.Type !== 'RealTime') {
      throw new InvalidConstructPropsError(
        `the loop serves staging serverless and prod real-time; got staging ${staging.Type}, prod ${prod.Type}`,
      );
    }
    this.lakePrefix = (props.lakePrefix ?? 'lake').replace(/^\/+|\/+$/g, '');
    this.lakeBucket = props.lakeBucket ?? this.createLake(props.lakeBucketName);
    this.modelPackageGroup = new ModelPackageGroup(this, 'ModelPackageGroup', {
      modelPackageGroupName: props.modelPackageGroupName,
      description: 'Versions registered by the pipeline; approving one deploys it to staging',
    });
    const lakeUri = `s3://${this.lakeBucket.bucketName}/${this.lakePrefix}`;
    this.pipeline = new SageMakerPipeline(this, 'Pipeline', {
      pipeline: (context) =>
        props.pipeline({
          ...context,
          lakeBucketName: this.lakeBucket.bucketName,
          lakeUri,
          modelPackageGroupName: props.modelPackageGroupName,
        }),
      ...(props.code ? { code: props.code } : {}),
      dataBuckets: [this.lakeBucket],
      ...(props.imageRepositoryArns ? { imageRepositoryArns: props.imageRepositoryArns } : {}),
    });
    // The registry group must exist before the pipeline's first RegisterModel step.
    this.pipeline.cfnPipeline.node.addDependency(this.modelPackageGroup.resource);

    this.modelExecutionRole = modelExecutionRole(this, 'ModelRole', {
      artifactBuckets: [this.lakeBucket],
      captureBuckets: [this.captureBucket(prod, props.lakeBucketName)],
      ...(props.imageRepositoryArns ? { imageRepositoryArns: props.imageRepositoryArns } : {}),
    });
    const stages = { staging, prod };
    const deployment = props.deployment ?? 'on-approval';
    if (deployment === 'on-approval') {
      this.approvalDeployment = new ApprovalDeployment(this, 'ApprovalDeployment', {
        group: this.modelPackageGroup,
        stages,
        modelExecutionRole: this.modelExecutionRole,
      });
      new CfnOutput(this, 'PromoteFunctionName', {
        value: this.approvalDeployment.handler.function.functionName,
        description: 'Invoke with {"stage":"prod","modelPackageArn":"..."} to promote a version staging serves',
      });
    } else {
      this.endpoints = new StagedEndpoints(this, 'Endpoints', {
        stages,
        modelPackageArns: deployment.modelPackageArns,
        modelExecutionRole: this.modelExecutionRole,
      });
    }
    this.webhookBridge = new WebhookBridgeFunction(this, 'WebhookBridge', {
      lakeBucket: this.lakeBucket,
      lakePrefix: this.lakePrefix,
      pipelineName: this.pipeline.pipelineName,
      annotationThreshold: props.annotationThreshold,
      ...(props.pipelineParameterName ? { pipelineParameterName: props.pipelineParameterName } : {}),
      ...(props.labelStudioUrl ? { labelStudioUrl: props.labelStudioUrl } : {}),
    });
    if (props.frontEndBundleDir) {
      this.frontEnd = new FrontEndFunction(this, 'FrontEnd', {
        bundleDir: props.frontEndBundleDir,
        endpoints: { staging: staging.EndpointName, prod: prod.EndpointName },
      });
    }
    new CfnOutput(this, 'PipelineName', { value: this.pipeline.pipelineName });
    new CfnOutput(this, 'LakeUri', { value: lakeUri });
  }

  private createLake(bucketName: string | undefined): Bucket {
    const logs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    return new Bucket(this, 'Lake', {
      ...(bucketName ? { bucketName } : {}),
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'lake/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The bucket prod's data capture writes to: the lake when the config names it, otherwise that bucket by name. */
  private captureBucket(prod: StageConfig, lakeBucketName: string | undefined): IBucket {
    const uri = prod.Type === 'RealTime' ? prod.DataCapture?.DestinationS3Uri : undefined;
    const name = uri ? /^s3:\/\/([^/]+)/.exec(uri)?.[1] : undefined;
    if (!name || name === this.lakeBucket.bucketName || name === lakeBucketName) return this.lakeBucket;
    return Bucket.fromBucketName(this, 'CaptureBucket', name);
  }
}
