import { PolicyStatement, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { addExplainedStatement } from './nag.js';

export type S3AccessLevel = 'read' | 'read-write' | 'write';

const OBJECT_ACTIONS: Record<S3AccessLevel, string[]> = {
  read: ['s3:GetObject'],
  'read-write': ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
};

/**
 * Grants named S3 actions (no `s3:Get*`-style wildcards) on the objects under `prefix` of a bucket, and listing of
 * that prefix when reading. The object wildcard is acknowledged with `reason`.
 */
export function grantS3(
  principal: IPrincipal & IConstruct,
  bucket: IBucket,
  level: S3AccessLevel,
  reason: string,
  prefix = '',
): void {
  const keys = `${prefix.replace(/^\/+|\/+$/g, '')}${prefix ? '/' : ''}*`;
  addExplainedStatement(
    principal,
    new PolicyStatement({ actions: OBJECT_ACTIONS[level], resources: [bucket.arnForObjects(keys)] }),
    reason,
  );
  if (level !== 'write') {
    principal.addToPrincipalPolicy(
      new PolicyStatement({
        // s3:prefix narrows listing; GetBucketLocation has no such key, so it is granted only for a whole bucket.
        actions: prefix ? ['s3:ListBucket'] : ['s3:ListBucket', 's3:GetBucketLocation'],
        resources: [bucket.bucketArn],
        ...(prefix ? { conditions: { StringLike: { 's3:prefix': [keys] } } } : {}),
      }),
    );
  }
}
