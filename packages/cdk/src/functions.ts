import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type FunctionUrl, FunctionUrlAuthType, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeRules, addExplainedStatement } from './nag.js';
import { NodeFunction } from './node-function.js';
import { bundleDir, webhookBridgeBundle } from './paths.js';
import { sagemakerArn } from './step-permissions.js';

export interface WebhookBridgeFunctionProps {
  /** The data lake bucket and the prefix annotated images and the bridge's state go under (e.g. `lake`). */
  readonly lakeBucket: IBucket;
  readonly lakePrefix: string;
  /** The pipeline a threshold crossing starts. */
  readonly pipelineName: string;
  /** Annotations per pipeline execution. */
  readonly annotationThreshold: number;
  /** Pipeline parameter that receives the lake URI, if the pipeline has one. */
  readonly pipelineParameterName?: string;
  /** Where Label Studio serves uploaded images, for tasks that reference `/data/upload/...`. */
  readonly labelStudioUrl?: string;
  /** Hosts images may be fetched from besides Label Studio (comma-separated list in the function's environment). */
  readonly imageAllowedHosts?: readonly string[];
  /** The bridge's Lambda bundle folder; default labeling-bridge's `dist/lambda-bundle`. */
  readonly bundleDir?: string;
}

/** Lake prefix without leading or trailing slashes: `lake`, `data/lake`. */
function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

/**
 * The annotation webhook bridge of labeling-bridge behind a Lambda function URL. Label Studio authenticates with a
 * shared secret generated in Secrets Manager (set it as the webhook's `Authorization`/secret header); the function
 * may touch only objects under the lake prefix and start only this pipeline.
 */
export class WebhookBridgeFunction extends Construct {
  readonly handler: NodeFunction;
  readonly url: FunctionUrl;
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: WebhookBridgeFunctionProps) {
    super(scope, id);
    const prefix = normalizePrefix(props.lakePrefix);
    this.secret = new Secret(this, 'WebhookSecret', {
      description: 'Shared secret Label Studio sends with each webhook call to the bridge',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    });
    acknowledgeRules(this.secret, {
      'AwsSolutions-SMG4':
        'The shared secret is also configured in Label Studio by hand; rotating it needs that change too, so it is rotated by the operator (put a new value, update the webhook)',
    });
    this.handler = new NodeFunction(this, 'Bridge', {
      bundleDir: bundleDir(props.bundleDir ?? webhookBridgeBundle()),
      description: `Label Studio webhook bridge: annotations to s3://<lake>/${prefix}, starts ${props.pipelineName} every ${props.annotationThreshold}`,
      timeout: Duration.seconds(30),
      memorySize: 512,
      environment: {
        LAKE_S3_URI: `s3://${props.lakeBucket.bucketName}/${prefix}`,
        PIPELINE_NAME: props.pipelineName,
        ANNOTATION_THRESHOLD: String(props.annotationThreshold),
        // A dynamic reference: CloudFormation resolves it at deploy time; the template holds no secret.
        WEBHOOK_SECRET: this.secret.secretValue.unsafeUnwrap(),
        ...(props.pipelineParameterName ? { PIPELINE_PARAMETER_NAME: props.pipelineParameterName } : {}),
        ...(props.labelStudioUrl ? { LABEL_STUDIO_URL: props.labelStudioUrl } : {}),
        ...(props.imageAllowedHosts?.length ? { IMAGE_ALLOWED_HOSTS: props.imageAllowedHosts.join(',') } : {}),
      },
    });
    const role = this.handler.role;
    const objects = props.lakeBucket.arnForObjects(`${prefix}/*`);
    addExplainedStatement(
      role,
      new PolicyStatement({
        sid: 'LakeObjects',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [objects],
      }),
      'Annotated images and the bridge state are keyed by label, task and annotation under the lake prefix',
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'LakeListing',
        actions: ['s3:ListBucket'],
        resources: [props.lakeBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}/*`] } },
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'StartThePipeline',
        actions: ['sagemaker:StartPipelineExecution'],
        resources: [sagemakerArn(Stack.of(this), 'pipeline', props.pipelineName)],
      }),
    );
    // Label Studio cannot sign requests with SigV4: the shared secret is the authentication.
    this.url = this.handler.function.addFunctionUrl({
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.BUFFERED,
    });
    new CfnOutput(this, 'WebhookUrl', { value: this.url.url, description: 'Label Studio webhook URL' });
  }
}

export interface FrontEndFunctionProps {
  /** Folder of the front-end's built Lambda bundle (`index.mjs` exporting `handler`), e.g. apps/demo's dist/lambda. */
  readonly bundleDir: string;
  /** The endpoints it predicts with, by stage. */
  readonly endpoints: { readonly staging: string; readonly prod: string };
  /** Largest image accepted, bytes. */
  readonly maxImageBytes?: number;
}

/**
 * The web front-end (upload an image, get a prediction) behind a Lambda function URL. It may invoke the two
 * endpoints and read their state, nothing else.
 */
export class FrontEndFunction extends Construct {
  readonly handler: NodeFunction;
  readonly url: FunctionUrl;

  constructor(scope: Construct, id: string, props: FrontEndFunctionProps) {
    super(scope, id);
    this.handler = new NodeFunction(this, 'Web', {
      bundleDir: bundleDir(props.bundleDir),
      description: `Web front-end predicting with ${props.endpoints.staging} and ${props.endpoints.prod}`,
      timeout: Duration.seconds(30),
      memorySize: 512,
      environment: {
        STAGING_ENDPOINT_NAME: props.endpoints.staging,
        PROD_ENDPOINT_NAME: props.endpoints.prod,
        ...(props.maxImageBytes ? { MAX_IMAGE_BYTES: String(props.maxImageBytes) } : {}),
      },
    });
    const stack = Stack.of(this);
    this.handler.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'PredictAndShowState',
        actions: ['sagemaker:InvokeEndpoint', 'sagemaker:DescribeEndpoint'],
        resources: [props.endpoints.staging, props.endpoints.prod].map((name) => sagemakerArn(stack, 'endpoint', name)),
      }),
    );
    // A public page, as the seed's front-end: the function serves the page and its predictions.
    this.url = this.handler.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    new CfnOutput(this, 'FrontEndUrl', { value: this.url.url, description: 'Web front-end URL' });
  }
}
