import { type Role, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Stack } from 'aws-cdk-lib';
import { addExplainedStatement } from './nag.js';

/** The account of the AWS Deep Learning Containers registry (framework images such as PyTorch). */
export const AWS_DLC_ACCOUNT = '763104351884';

/**
 * What every SageMaker container needs beside its own data, for jobs and served models alike: publishing its
 * metrics and pulling its image. One place, so the job role and the model role cannot drift apart.
 */
export function grantContainerRuntime(role: Role, stack: Stack, imageRepositoryArns?: readonly string[]): void {
  addExplainedStatement(
    role,
    new PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': '/aws/sagemaker/*' } },
    }),
    'PutMetricData has no resource-level permissions; the namespace condition limits it to SageMaker metrics',
  );
  addExplainedStatement(
    role,
    new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    'ecr:GetAuthorizationToken has no resource-level permissions',
  );
  addExplainedStatement(
    role,
    new PolicyStatement({
      actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
      resources: imageRepositoryArns
        ? [...imageRepositoryArns]
        : [stack.formatArn({ service: 'ecr', account: AWS_DLC_ACCOUNT, resource: 'repository', resourceName: '*' })],
    }),
    'Image pull from the framework image registry: repository names vary by framework and version',
  );
}
