import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, RuntimeFamily } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeRules } from './nag.js';

/** The runtime every function of this package runs on (DESIGN: templates target nodejs22.x). */
export const NODEJS_22 = new Runtime('nodejs22.x', RuntimeFamily.NODEJS, { supportsInlineCode: true });

export interface NodeFunctionProps {
  /** Folder of a built bundle whose `index.mjs` exports `handler`. */
  readonly bundleDir: string;
  readonly description: string;
  readonly environment?: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  /** Default one month. */
  readonly logRetention?: RetentionDays;
}

/**
 * A Node.js 22 function from a prebuilt bundle, with its own log group and a role that may write only to it (no
 * managed policy), so the permissions a construct adds are all it has.
 */
export class NodeFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = new LambdaFunction(this, 'Function', {
      runtime: NODEJS_22,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromAsset(props.bundleDir),
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    });
    acknowledgeRules(this.function, {
      'AwsSolutions-L1':
        'nodejs22.x is the runtime the bundles are built and tested for (DESIGN: templates target nodejs22.x); a newer runtime is a deliberate upgrade',
    });
  }
}
