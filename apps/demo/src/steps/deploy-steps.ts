/** Approve, deploy and test: the registered model version to the staging and prod endpoints, then held-out images. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Deployer, ModelRegistry, parseStageConfig, type StageConfig } from '@sagemaker-mlops/deploy-config';
import { EndpointClient } from '@sagemaker-mlops/endpoint-client';
import { type EndpointTestReport, formatReport, runEndpointTest } from '@sagemaker-mlops/endpoint-client/testing';
import { appRoot, type DemoContext } from '../context.js';
import { DemoError, MissingPrerequisiteError } from '../errors.js';

export async function approveStep(
  ctx: DemoContext,
  version?: number,
): Promise<{ modelPackageArn: string; version: number }> {
  const registry = new ModelRegistry({ sagemaker: ctx.sagemaker, s3: ctx.s3 });
  const versions = await registry.listVersions(ctx.names.modelPackageGroupName);
  const target =
    version === undefined
      ? (versions.find((v) => v.approvalStatus === 'PendingManualApproval') ?? versions[0])
      : versions.find((v) => v.version === version);
  if (!target) {
    throw new MissingPrerequisiteError(
      'approve',
      version === undefined
        ? `a registered model version in "${ctx.names.modelPackageGroupName}"`
        : `version ${version} in "${ctx.names.modelPackageGroupName}"`,
      'Run the pipeline first: `npm run demo -- pipeline start`.',
    );
  }
  const accuracy = target.metrics.find((m) => m.name === 'ModelQuality.Statistics')?.value as
    | { multiclass_classification_metrics?: { accuracy?: { value?: number } } }
    | undefined;
  const value = accuracy?.multiclass_classification_metrics?.accuracy?.value;
  if (target.approvalStatus !== 'Approved') {
    await registry.approve(target.arn, {
      description: `Approved by the demo CLI${value === undefined ? '' : ` (test accuracy ${value.toFixed(3)})`}`,
    });
  }
  ctx.reporter.info(
    `model version ${target.version} approved${value === undefined ? '' : `, test accuracy ${value.toFixed(3)}`}`,
  );
  return { modelPackageArn: target.arn, version: target.version };
}

export function stageConfigs(ctx: DemoContext): Record<'staging' | 'prod', StageConfig> {
  const load = (stage: 'staging' | 'prod') => {
    const file = join(appRoot, 'config', `${stage}-config.json`);
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const config: Record<string, unknown> = { ...raw, EndpointName: ctx.names.endpoints[stage] };
    if (stage === 'prod') config['InstanceType'] = ctx.names.prodInstanceType;
    return parseStageConfig(config, { file: relative(process.cwd(), file) });
  };
  return { staging: load('staging'), prod: load('prod') };
}

export async function deployStep(
  ctx: DemoContext,
  stage: 'staging' | 'prod',
): Promise<{ endpointName: string; modelPackageArn: string; version: number }> {
  const registry = new ModelRegistry({ sagemaker: ctx.sagemaker });
  let modelPackage: Awaited<ReturnType<ModelRegistry['latestApproved']>>;
  try {
    modelPackage = await registry.latestApproved(ctx.names.modelPackageGroupName);
  } catch {
    throw new MissingPrerequisiteError(
      `deploy ${stage}`,
      'an approved model version',
      'Approve one first: `npm run demo -- approve`.',
    );
  }
  const deployer = new Deployer({
    stages: stageConfigs(ctx),
    executionRoleArn: ctx.names.roleArn,
    sagemaker: ctx.sagemaker,
    minPollDelayMs: ctx.target === 'local' ? 1_000 : 5_000,
    maxPollDelayMs: ctx.target === 'local' ? 2_000 : 30_000,
    onProgress: (event) => ctx.reporter.info(`${stage}: ${event.message}`),
    log: (line) => ctx.reporter.info(line),
  });
  await deployer.deploy(stage, { modelPackage });
  return { endpointName: ctx.names.endpoints[stage], modelPackageArn: modelPackage.arn, version: modelPackage.version };
}

export async function testEndpointStep(
  ctx: DemoContext,
  options: { dir: string; stage: 'staging' | 'prod'; minAccuracy: number },
): Promise<EndpointTestReport> {
  if (!existsSync(options.dir)) {
    throw new MissingPrerequisiteError(
      'test-endpoint',
      `a folder of labelled images at ${options.dir}`,
      'Run `npm run demo -- data` first, or pass a folder.',
    );
  }
  const client = new EndpointClient({
    endpointName: ctx.names.endpoints[options.stage],
    runtime: ctx.runtime,
    endpointKind: options.stage === 'staging' ? 'Serverless' : 'RealTime',
    timeoutMs: 120_000,
  });
  let bar: ReturnType<DemoContext['reporter']['bar']> | undefined;
  const report = await runEndpointTest({
    client,
    images: options.dir,
    concurrency: options.stage === 'staging' ? 4 : 8,
    minAccuracy: options.minAccuracy,
    onProgress: (progress) => {
      bar ??= ctx.reporter.bar(progress.total, `testing ${client.endpointName}`);
      bar.update(progress.done, progress.failed ? `${progress.failed} failed` : undefined);
    },
  });
  bar?.stop();
  const reportDir = join(ctx.workDir, 'reports');
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(join(reportDir, `endpoint-test-${options.stage}.txt`), formatReport(report));
  for (const line of formatReport(report).split('\n').slice(0, 8)) ctx.reporter.info(line);
  if (!report.passed) {
    throw new DemoError(
      `the ${options.stage} endpoint got ${report.correct}/${report.total} held-out images right (${(report.accuracy * 100).toFixed(1)}%), below the required ${(options.minAccuracy * 100).toFixed(0)}%; misses: ${report.misses
        .slice(0, 5)
        .map((m) => `${m.name} (${m.expected} → ${m.predicted})`)
        .join(', ')}${
        report.errors.length
          ? `; errors: ${report.errors
              .slice(0, 3)
              .map((e) => e.message)
              .join('; ')}`
          : ''
      }`,
      'test-endpoint',
    );
  }
  return report;
}
