/** `npm run demo -- cdk synth`: the demo's own pipeline in the MlopsLoop stack, as a CDK cloud assembly. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { synthDemoStack } from '../src/cdk-app.js';

it('synthesizes the loop with the demo pipeline, its code as an asset', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'demo-cdk-'));
  const result = await synthDemoStack({ outDir, region: 'eu-west-1' });
  expect(result.resources).toMatchObject({
    'AWS::SageMaker::Pipeline': 1,
    'AWS::SageMaker::ModelPackageGroup': 1,
    'AWS::Events::Rule': 1,
    'AWS::Lambda::Function': 3,
    'AWS::Lambda::Url': 2,
  });
  const template = JSON.parse(readFileSync(result.templateFile, 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const pipeline = Object.values(template.Resources).find((r) => r.Type === 'AWS::SageMaker::Pipeline')!;
  expect(pipeline.Properties.PipelineName).toBe('sagemaker-mlops-demo');
  // Deploy-time values (role, buckets, asset keys) are joined in; fill them to read the JSON.
  const body = (
    pipeline.Properties.PipelineDefinition as { PipelineDefinitionBody: { 'Fn::Join': [string, unknown[]] } }
  ).PipelineDefinitionBody['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : 'X'))
    .join('');
  const definition = JSON.parse(body) as { Steps: Array<{ Name: string; Type: string }> };
  expect(definition.Steps.map((s) => s.Type)).toContain('Training');
  expect(definition.Steps.some((s) => s.Type === 'Condition')).toBe(true);
  expect(body).toContain('eu-west-1');
  // The ml code archive is an asset of the assembly, ready for `cdk deploy` to upload.
  const assets = JSON.parse(readFileSync(join(result.outDir, `${result.stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  const archives = Object.values(assets.files).filter((f) => f.source.path.endsWith('.gz'));
  expect(archives).toHaveLength(1);
  expect(existsSync(join(result.outDir, archives[0]!.source.path))).toBe(true);
}, 120_000);
