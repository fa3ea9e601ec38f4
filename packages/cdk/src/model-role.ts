import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { addExplainedStatement } from './nag.js';
import { grantContainerRuntime } from './container-runtime.js';
import { grantS3 } from './s3-access.js';

export interface ModelExecutionRoleOptions {
  /** Buckets holding model artifacts (read). */
  readonly artifactBuckets?: readonly IBucket[];
  /** Buckets endpoints write captured requests to (write). */
  readonly captureBuckets?: readonly IBucket[];
  /** Default: the AWS Deep Learning Containers registry of the stack's region. */
  readonly imageRepositoryArns?: readonly string[];
}

/** The role SageMaker models (and so endpoints) run under: read artifacts, pull the image, write logs and capture. */
export function modelExecutionRole(scope: Construct, id: string, options: ModelExecutionRoleOptions = {}): Role {
  const stack = Stack.of(scope);
  const role = new Role(scope, id, {
    assumedBy: new ServicePrincipal('sagemaker.amazonaws.com'),
    description: 'Execution role of the served models: artifacts, image pull, logs, data capture',
  });
  for (const bucket of options.artifactBuckets ?? []) {
    grantS3(role, bucket, 'read', 'Model artifacts live under run-specific keys (<pipeline>/<execution>/...)');
  }
  for (const bucket of options.captureBuckets ?? []) {
    grantS3(role, bucket, 'write', 'Data capture writes objects named by endpoint, variant and time');
  }
  addExplainedStatement(
    role,
    new PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: '/aws/sagemaker/Endpoints/*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
    }),
    'Endpoints log to /aws/sagemaker/Endpoints/<endpoint name> with streams named per instance at run time',
  );
  grantContainerRuntime(role, stack, options.imageRepositoryArns);
  return role;
}
