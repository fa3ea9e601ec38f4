/** cdk-nag's AwsSolutions pack finds nothing unexplained in the synthesized loop. */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PackagedSourceDir } from '@sagemaker-mlops/pipeline-sdk';
import { loopStack, packageCode } from '../fixtures/loop.js';

let code: PackagedSourceDir;
beforeAll(async () => {
  code = await packageCode();
});

describe('cdk-nag AwsSolutions', () => {
  it.each(['on-approval', 'pinned'] as const)('has no unacknowledged finding (%s deployment)', (mode) => {
    const { app } = loopStack(
      code,
      mode === 'pinned'
        ? {
            deployment: {
              modelPackageArns: {
                staging: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fashion-classifier/3',
                prod: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fashion-classifier/2',
              },
            },
          }
        : {},
    );
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });
});

describe('acknowledgements', () => {
  it('every acknowledged rule carries its reason', () => {
    const { app } = loopStack(code);
    const acknowledged: Array<[string, unknown]> = [];
    const visit = (node: IConstruct) => {
      for (const entry of node.node.metadata) {
        if (entry.type === 'aws:cdk:acknowledged-rules') acknowledged.push(...Object.entries(entry.data as object));
      }
      for (const child of node.node.children) visit(child);
    };
    visit(app);
    const ours = acknowledged.filter(([id]) => id.startsWith('AwsSolutions-'));
    expect(ours.length).toBeGreaterThan(10);
    for (const [id, reason] of ours) {
      expect(typeof reason === 'string' && reason.length > 30, `${id}: ${String(reason)}`).toBe(true);
    }
  });

  it('a wildcard nobody explained is still found', () => {
    const { app, loop } = loopStack(code);
    loop.webhookBridge.handler.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::other-bucket/*'] }),
    );
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([
      'AwsSolutions-IAM5[Resource::arn:aws:s3:::other-bucket/*]',
    ]);
  });
});
