/** cfn-lint (the CloudFormation linter AWS maintains, from PyPI) passes on every template this repository emits. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { endpointCloudFormationTemplate } from '@sagemaker-mlops/deploy-config';
import { venvPython } from '@sagemaker-mlops/test-services';
import { Template } from 'aws-cdk-lib/assertions';
import { expect, it } from 'vitest';
import { GROUP, loopStack, packageCode } from '../fixtures/loop.js';

const run = promisify(execFile);

interface CfnLintMatch {
  Rule: { Id: string };
  Message: string;
  Filename: string;
  Location: { Path: unknown[] };
}

async function cfnLint(files: string[], ignoreChecks: string[] = []): Promise<CfnLintMatch[]> {
  const cfnLintBin = join(dirname(venvPython('cfnlint')), 'cfn-lint');
  try {
    const ignore = ignoreChecks.length > 0 ? ['--ignore-checks', ...ignoreChecks] : [];
    await run(cfnLintBin, ['--format', 'json', ...ignore, '--', ...files], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return [];
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    if (!stdout?.trim().startsWith('[')) throw new Error(`cfn-lint did not run: ${stderr ?? String(error)}`);
    return JSON.parse(stdout) as CfnLintMatch[];
  }
}

it("passes on the synthesized loop (both deployment modes) and on deploy-config's endpoint template", async () => {
  const code = await packageCode();
  const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  const files = {
    'loop-on-approval.json': Template.fromStack(loopStack(code).stack).toJSON(),
    'loop-pinned.json': Template.fromStack(
      loopStack(code, {
        deployment: {
          modelPackageArns: {
            staging: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/3`,
            prod: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/2`,
          },
        },
      }).stack,
    ).toJSON(),
    'deploy-config-endpoint.json': endpointCloudFormationTemplate(),
  };
  const paths = Object.entries(files).map(([name, template]) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(template, null, 2));
    return path;
  });
  const [cdkTemplates, deployConfigTemplate] = [paths.slice(0, 2), paths.slice(2)];
  const matches = (
    await Promise.all([
      // W3005 (a DependsOn also implied by a GetAtt) is CDK's own doing: a Function or SageMaker resource depends on
      // its role and the role's policy, and the role entry repeats the GetAtt. Harmless; nothing else is ignored.
      cfnLint(cdkTemplates, ['W3005']),
      // No command-line ignores here: they would replace the template's own cfn-lint metadata.
      cfnLint(deployConfigTemplate),
    ])
  ).flat();
  expect(
    matches.map((m) => `${m.Filename.split('/').pop()}: ${m.Rule.Id} ${m.Message} at ${m.Location.Path.join('.')}`),
  ).toEqual([]);
}, 120_000);

it('finds a broken template (the check can fail)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  const path = join(dir, 'broken.json');
  writeFileSync(
    path,
    JSON.stringify({
      Resources: {
        Endpoint: {
          Type: 'AWS::SageMaker::Endpoint',
          Properties: { EndpointName: 'x', EndpointConfigName: { Ref: 'Nope' } },
        },
      },
    }),
  );
  const matches = await cfnLint([path]);
  expect(matches.map((m) => m.Rule.Id)).toContain('E1020');
}, 120_000);
