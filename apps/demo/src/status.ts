import { Deployer, ModelRegistry } from '@sagemaker-mlops/deploy-config';
import type { DemoContext } from './context.js';
import { pipelineRunner, stageConfigs } from './steps.js';

/** Human lines: each stage's endpoint and version, the registry's versions, the last execution, the run state. */
export async function statusReport(ctx: DemoContext): Promise<string[]> {
  const lines: string[] = [`target: ${ctx.target}, configuration: ${ctx.profile.name}`];
  const deployer = new Deployer({
    stages: stageConfigs(ctx),
    executionRoleArn: ctx.names.roleArn,
    sagemaker: ctx.sagemaker,
  });
  const registry = new ModelRegistry({ sagemaker: ctx.sagemaker });
  const versions = await registry.listVersions(ctx.names.modelPackageGroupName).catch(() => []);
  for (const stage of ['staging', 'prod'] as const) {
    const serving = await deployer.serving(stage).catch(() => undefined);
    const version = versions.find((v) => v.arn === serving?.modelPackageArn)?.version;
    lines.push(
      serving
        ? `${stage}: ${serving.endpointName} ${serving.endpointStatus}${version ? `, model version ${version}` : ''}`
        : `${stage}: ${ctx.names.endpoints[stage]} not deployed`,
    );
  }
  lines.push(
    versions.length
      ? `registry ${ctx.names.modelPackageGroupName}: ${versions.map((v) => `v${v.version} ${v.approvalStatus}`).join(', ')}`
      : `registry ${ctx.names.modelPackageGroupName}: no versions`,
  );
  const runner = await pipelineRunner(ctx).catch(() => undefined);
  const [last] = (await runner?.listExecutions({ limit: 1 }).catch(() => [])) ?? [];
  lines.push(last ? `last execution: ${last.arn} ${last.status}` : `pipeline ${ctx.names.pipelineName}: no executions`);
  const done = [
    'data',
    'tune',
    'pipeline',
    'reports',
    'approve',
    'deploy-staging',
    'test-staging',
    'deploy-prod',
  ].filter((s) => ctx.state.completed(s));
  lines.push(`completed steps of \`all\`: ${done.length ? done.join(', ') : 'none'}`);
  return lines;
}
