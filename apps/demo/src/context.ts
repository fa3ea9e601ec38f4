import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { type AwsConfig, loadAwsConfig, type Profile, PROFILES } from './config.js';
import type { Reporter } from './progress.js';
import { RunStateStore } from './state.js';

export const appRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = resolve(appRoot, '../..');
export const mlRoot = join(appRoot, 'ml');

export interface DemoOptions {
  target: 'local' | 'aws';
  /** Required for `aws`. */
  configFile?: string;
  profile: Profile['name'];
  /** Local mode's state folder (also where the demo keeps its own state). Default `<repo>/.sagemaker-local`. */
  stateDir?: string;
  reporter: Reporter;
}

/** Names of everything the demo creates, the same shape for local mode and AWS. */
export interface DemoNames {
  region: string;
  roleArn: string;
  bucket: string;
  lakePrefix: string;
  pipelineName: string;
  modelPackageGroupName: string;
  endpoints: { staging: string; prod: string };
  processingInstanceType: string;
  trainingInstanceType: string;
  prodInstanceType: string;
}

/** What every command works with: the clients (AWS or local mode), the names, the profile and the run state. */
export interface DemoContext {
  target: 'local' | 'aws';
  profile: Profile;
  names: DemoNames;
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  s3: S3Client;
  /** The demo's own working folder: data set files, held-out images, reports, run state. */
  workDir: string;
  stateDir: string;
  python: string;
  state: RunStateStore;
  reporter: Reporter;
  /** Local mode only: stops endpoint processes and jobs. */
  close(): Promise<void>;
}

const LOCAL_NAMES: DemoNames = {
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::000000000000:role/SageMakerLocalExecution',
  bucket: 'sagemaker-mlops-demo',
  lakePrefix: 'lake',
  pipelineName: 'sagemaker-mlops-demo',
  modelPackageGroupName: 'sagemaker-mlops-demo',
  endpoints: { staging: 'sagemaker-mlops-demo-staging', prod: 'sagemaker-mlops-demo-prod' },
  processingInstanceType: 'ml.m5.large',
  trainingInstanceType: 'ml.m5.xlarge',
  prodInstanceType: 'ml.m5.large',
};

const TUNING_TRIAL_LINE = /^trial=\d+ /;

export function mlPython(): string {
  return join(repoRoot, '.venvs', 'ml', 'bin', 'python');
}

export async function openContext(options: DemoOptions): Promise<DemoContext> {
  const profile = PROFILES[options.profile];
  const stateDir = resolve(options.stateDir ?? join(repoRoot, '.sagemaker-local'));
  const python = mlPython();
  if (options.target === 'aws') {
    if (!options.configFile) {
      throw new Error(
        '--target aws needs --config FILE (region, roleArn, bucket, pipelineName); see apps/demo/README.md.',
      );
    }
    const config = loadAwsConfig(options.configFile);
    const names = awsNames(config);
    const clientConfig = {
      region: config.region,
      ...(config.endpointUrl ? { endpoint: config.endpointUrl } : {}),
    };
    const workDir = join(stateDir, 'demo', `aws-${hash(`${config.region}/${config.bucket}/${config.pipelineName}`)}`);
    return {
      target: 'aws',
      profile,
      names,
      sagemaker: new SageMakerClient(clientConfig),
      runtime: new SageMakerRuntimeClient(clientConfig),
      s3: new S3Client({ ...clientConfig, forcePathStyle: Boolean(config.endpointUrl) }),
      workDir,
      stateDir,
      python,
      state: new RunStateStore(join(workDir, 'run-state.json'), `aws/${profile.name}`),
      reporter: options.reporter,
      close: async () => {},
    };
  }
  const { LocalSageMaker } = await import('@sagemaker-mlops/local');
  if (!existsSync(python)) {
    throw new Error(`The ML Python environment is missing at ${python}: run \`bash scripts/setup-python.sh ml\`.`);
  }
  const local = await LocalSageMaker.open({
    stateDir,
    images: [{ pattern: /pytorch|sagemaker|sklearn/, python }],
    defaultPython: python,
    onLog: (event) => {
      if (event.kind === 'progress') options.reporter.info(`${event.source} ${event.name}: ${event.message}`);
      // tune.py prints one line per finished (or pruned) trial: show each as it comes, not only the best at the end.
      else if (event.kind === 'stdout' && event.source === 'training-job' && TUNING_TRIAL_LINE.test(event.message)) {
        options.reporter.info(`tuning: ${event.message}`);
      }
    },
  });
  const workDir = join(stateDir, 'demo', 'local');
  return {
    target: 'local',
    profile,
    names: LOCAL_NAMES,
    sagemaker: local.sagemaker,
    runtime: local.runtime,
    s3: local.s3,
    workDir,
    stateDir,
    python,
    state: new RunStateStore(join(workDir, 'run-state.json'), `local/${profile.name}`),
    reporter: options.reporter,
    close: () => local.close(),
  };
}

function awsNames(config: AwsConfig): DemoNames {
  return {
    region: config.region,
    roleArn: config.roleArn,
    bucket: config.bucket,
    lakePrefix: config.lakePrefix,
    pipelineName: config.pipelineName,
    modelPackageGroupName: config.modelPackageGroupName,
    endpoints: { staging: config.stagingEndpointName, prod: config.prodEndpointName },
    processingInstanceType: config.processingInstanceType,
    trainingInstanceType: config.trainingInstanceType,
    prodInstanceType: config.prodInstanceType,
  };
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}
