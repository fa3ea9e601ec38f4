/**
 * The demo's loop as a CDK app: `npm run demo -- cdk synth` writes the cloud assembly (templates and assets) that
 * `cdk deploy` deploys. The pipeline is the demo's own (buildDemoPipeline), its code a CDK asset of apps/demo/ml.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MlopsLoop } from '@sagemaker-mlops/cdk';
import { loadStageConfig } from '@sagemaker-mlops/deploy-config';
import { packageSourceDir, pytorchImageUri } from '@sagemaker-mlops/pipeline-sdk';
import { App, Stack } from 'aws-cdk-lib';
import { awsConfigSchema, type AwsConfig, loadAwsConfig, PROFILES } from './config.js';
import { appRoot, mlRoot } from './context.js';
import { DemoError, MissingPrerequisiteError } from './errors.js';
import { buildDemoPipeline } from './pipeline.js';

export interface DemoCdkOptions {
  /** Cloud assembly folder. Default `$CDK_OUTDIR` (set by the cdk CLI) or `apps/demo/cdk.out`. */
  outDir?: string;
  /** The demo's AWS config (`--config`); without it the defaults of that config, in `region`. */
  configFile?: string;
  region?: string;
  /** Annotations per pipeline execution started by the webhook bridge. */
  annotationThreshold?: number;
}

export interface DemoCdkResult {
  outDir: string;
  stackName: string;
  templateFile: string;
  resources: Record<string, number>;
}

/** apps/demo/ml as the jobs see it: the scripts and code/, not the tests, benchmarks and docs. */
const ML_IGNORE = ['tests', 'bench', 'docs', 'README.md', 'package.json', 'node_modules', '*.zip', 'work'];

export async function synthDemoStack(options: DemoCdkOptions = {}): Promise<DemoCdkResult> {
  const frontEnd = join(appRoot, 'dist', 'lambda');
  if (!existsSync(join(frontEnd, 'index.mjs'))) {
    throw new MissingPrerequisiteError(
      'cdk',
      'the web front-end Lambda bundle (apps/demo/dist/lambda/index.mjs)',
      'Build it with `npm run build -w @sagemaker-mlops/demo`.',
    );
  }
  const config: AwsConfig = options.configFile
    ? loadAwsConfig(options.configFile)
    : awsConfigSchema.parse({
        region: options.region ?? process.env.CDK_DEFAULT_REGION ?? 'us-east-1',
        // Placeholders the schema needs; the stack creates its own role and bucket.
        roleArn: 'arn:aws:iam::000000000000:role/unused',
        bucket: 'unused-bucket',
      });
  const profile = PROFILES.default;
  const code = await packageSourceDir({ sourceDir: mlRoot, entryPoint: 'train.py', ignore: ML_IGNORE });
  const stage = (name: string) =>
    loadStageConfig(join(appRoot, 'config', `${name}-config.json`), { projectName: config.pipelineName });
  const stages = { staging: await stage('staging'), prod: await stage('prod') };
  const images = {
    training: pytorchImageUri({
      region: config.region,
      frameworkVersion: '2.5',
      pythonVersion: 'py311',
      scope: 'training',
      instanceType: config.trainingInstanceType,
    }),
    processing: pytorchImageUri({
      region: config.region,
      frameworkVersion: '2.5',
      pythonVersion: 'py311',
      scope: 'processing',
      instanceType: config.processingInstanceType,
    }),
    inference: pytorchImageUri({
      region: config.region,
      frameworkVersion: '2.5',
      pythonVersion: 'py311',
      scope: 'inference',
      instanceType: config.prodInstanceType,
    }),
  };

  const outDir = options.outDir ?? process.env.CDK_OUTDIR ?? join(appRoot, 'cdk.out');
  const app = new App({ outdir: outDir });
  const stack = new Stack(app, 'SageMakerMlopsDemo', {
    env: {
      region: config.region,
      ...(process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT } : {}),
    },
    description:
      'The sagemaker-mlops demo loop: pipeline, registry approval -> staging, promotion -> prod, webhook bridge, front-end',
  });
  new MlopsLoop(stack, 'Loop', {
    modelPackageGroupName: config.modelPackageGroupName,
    stages,
    code: { ml: code },
    lakePrefix: config.lakePrefix,
    annotationThreshold: options.annotationThreshold ?? 20,
    frontEndBundleDir: frontEnd,
    pipeline: (context) => {
      // Registered above as code: { ml: code }; the construct hands every named asset back.
      const ml = context.code.ml;
      if (!ml) throw new DemoError('MlopsLoop did not pass the ml code asset to the pipeline factory', 'cdk');
      return buildDemoPipeline({
        names: {
          region: config.region,
          roleArn: context.jobRoleArn,
          bucket: context.lakeBucketName,
          lakePrefix: config.lakePrefix,
          pipelineName: config.pipelineName,
          modelPackageGroupName: context.modelPackageGroupName,
          endpoints: { staging: stages.staging.EndpointName, prod: stages.prod.EndpointName },
          processingInstanceType: config.processingInstanceType,
          trainingInstanceType: config.trainingInstanceType,
          prodInstanceType: config.prodInstanceType,
        },
        profile,
        code: {
          trainingSourceDir: ml.s3Uri,
          trainingHyperParameters: ml.trainingHyperParameters(),
          processingCode: ml.s3Uri,
        },
        images,
        defaults: {
          modelName: 'resnet18',
          optimizer: 'SGD',
          learningRate: 0.05,
          batchSize: profile.batchSize,
          epochs: profile.trainEpochs,
          accuracyGate: 0.8,
        },
        entrypoint: (script) =>
          ml.processingEntrypoint(script, {
            setup: 'python3 -m pip install --quiet -r code/requirements.txt',
          }),
      });
    },
  });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const resources: Record<string, number> = {};
  for (const resource of Object.values(artifact.template.Resources as Record<string, { Type: string }>)) {
    resources[resource.Type] = (resources[resource.Type] ?? 0) + 1;
  }
  return {
    outDir: assembly.directory,
    stackName: stack.stackName,
    templateFile: join(assembly.directory, artifact.templateFile),
    resources,
  };
}
