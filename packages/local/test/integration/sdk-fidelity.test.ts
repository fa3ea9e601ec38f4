/**
 * Four pipelines written with the SageMaker Python SDK 2.257 (fixtures/sdk_fidelity.py) that rely on the container
 * contract: scripts with literal /opt/ml paths, network isolation (source as a "code" channel), custom job name
 * prefixes (use_custom_job_prefix) and a TransformStep with a model registered into a group nobody created.
 * The generated definitions are committed; the first test regenerates them with the parity venv and compares.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreatePipelineCommand,
  DescribeModelPackageCommand,
  type PipelineExecutionStep,
  ListPipelineExecutionStepsCommand,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSageMaker } from '../../src/index.js';
import { getText, putSourceDir, putText, readFromArchive, SCRIPTS_DIR, tempStateDir } from './helpers.js';

const fixture = join(__dirname, 'fixtures', 'sdk-generated', 'fidelity.json');
const parityPython = join(__dirname, '..', '..', '..', '..', '.venvs', 'parity', 'bin', 'python');
const definitions = JSON.parse(readFileSync(fixture, 'utf8')) as Record<string, unknown>;
const ROLE = 'arn:aws:iam::000000000000:role/SageMakerRole';
const state = tempStateDir('sdk-fidelity');
let local: LocalSageMaker;

beforeAll(async () => {
  local = await LocalSageMaker.open({
    stateDir: state.dir,
    images: [{ pattern: /pytorch|scikit/, python: 'python3' }],
    containerIsolation: 'bubblewrap',
  });
  await putText(local, 's3://lake/raw/part-1.csv', '1,a\n2,b\n');
  await putText(local, 's3://lake/raw/part-2.csv', '3,c\n');
  await putText(local, 's3://lake/batch/scores.csv', '1,x\n2,y\n5,z\n');
  await putText(
    local,
    's3://sm-bucket/code/literal_process.py',
    readFileSync(join(SCRIPTS_DIR, 'literal_process.py'), 'utf8'),
  );
  await putSourceDir(local, 'sm-bucket', 'code/literal/sourcedir.tar.gz', ['literal_train.py']);
  for (const [name, definition] of Object.entries(definitions)) {
    await local.sagemaker.send(
      new CreatePipelineCommand({ PipelineName: name, PipelineDefinition: JSON.stringify(definition), RoleArn: ROLE }),
    );
  }
});
afterAll(async () => {
  await local.close();
  state.cleanup();
});

async function run(pipeline: string): Promise<Record<string, PipelineExecutionStep>> {
  const { PipelineExecutionArn } = await local.sagemaker.send(
    new StartPipelineExecutionCommand({ PipelineName: pipeline }),
  );
  const done = await local.waitForPipelineExecution(PipelineExecutionArn as string);
  expect(done.FailureReason ?? '').toBe('');
  expect(done.PipelineExecutionStatus).toBe('Succeeded');
  const steps =
    (await local.sagemaker.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn })))
      .PipelineExecutionSteps ?? [];
  return Object.fromEntries(steps.map((s) => [s.StepName as string, s]));
}

/** The model.json a training step wrote (ARNs are lower case; the job folder under models/ keeps the case). */
const modelOf = async (step: PipelineExecutionStep | undefined) => {
  const arnName = String(step?.Metadata?.TrainingJob?.Arn).split('/').pop();
  const job = readdirSync(join(state.dir, 's3', 'sm-bucket', 'models')).find((n) => n.toLowerCase() === arnName);
  return JSON.parse(await readFromArchive(local, `s3://sm-bucket/models/${job}/output/model.tar.gz`, 'model.json'));
};

describe('Python-SDK pipelines that rely on the container contract', () => {
  it('are what the SDK generates today', async () => {
    if (!existsSync(parityPython))
      throw new Error(`the parity venv is missing: run 'bash scripts/setup-python.sh parity' (needs ${parityPython})`);
    const { stdout } = await promisify(execFile)(parityPython, [join(__dirname, 'fixtures', 'sdk_fidelity.py')], {
      cwd: join(__dirname, 'fixtures'),
      maxBuffer: 10 * 1024 * 1024,
      timeout: 230_000,
    });
    expect(JSON.parse(stdout.slice(stdout.indexOf('\n{')))).toEqual(definitions);
  }, 240_000);

  it('SdkLiteralPaths: a processing and a training script with literal /opt/ml paths hand data on through S3', async () => {
    const steps = await run('SdkLiteralPaths');
    expect(await modelOf(steps.Train)).toEqual({ rows: 3, scale: 3 });
  });

  it('SdkNetworkIsolation: the source comes from the code channel', async () => {
    const steps = await run('SdkNetworkIsolation');
    expect(await modelOf(steps.TrainIsolated)).toEqual({ rows: 3, scale: 3 });
  });

  it('SdkCustomPrefix: jobs are named after the base_job_name the SDK kept in the arguments', async () => {
    const steps = await run('SdkCustomPrefix');
    expect(steps.Prepare?.Metadata?.ProcessingJob?.Arn).toMatch(/:processing-job\/nightly-prep-/);
    expect(steps.Train?.Metadata?.TrainingJob?.Arn).toMatch(/:training-job\/nightly-train-/);
    expect(await modelOf(steps.Train)).toEqual({ rows: 3, scale: 3 });
  });

  it('SdkBatchTransform: the trained model scores a batch and is registered into a group created on the way', async () => {
    const steps = await run('SdkBatchTransform');
    expect(steps.Score?.Metadata?.TransformJob?.Arn).toMatch(/:transform-job\//);
    expect((await getText(local, 's3://sm-bucket/scores/scores.csv.out')).trim().split('\n')).toEqual([
      '3.0',
      '6.0',
      '15.0',
    ]);
    const registered = steps['Register-RegisterModel']?.Metadata?.RegisterModel?.Arn as string;
    expect(registered).toMatch(/:model-package\/sdk-batch-models\/1$/);
    const pkg = await local.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: registered }));
    expect(pkg.ModelApprovalStatus).toBe('PendingManualApproval');
  });
});
