/**
 * The container contract: scripts written for SageMaker use the literal /opt/ml paths. Each job and endpoint
 * process gets its own /opt/ml (bubblewrap mount namespace); without one, such a script fails with a clear error.
 * The machine's own /opt/ml is never touched.
 */
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateProcessingJobCommand,
  CreateTrainingJobCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSageMaker } from '../../src/index.js';
import {
  getText,
  processingInput,
  processingOutput,
  putModelArchive,
  putText,
  readFromArchive,
  tempStateDir,
  waitFor,
  waitForEndpoint,
} from './helpers.js';

const ROLE = 'arn:aws:iam::000000000000:role/sm';
const hostOptMl = () => (existsSync('/opt/ml') ? readdirSync('/opt/ml', { recursive: true }).sort() : null);
const hostBefore = hostOptMl();

// Writes its input, upper-cased, to a literal container path; then waits until its sibling job has done the same
// (a rendezvous file in a shared folder, so the two really run at once) and checks its own output is still its own.
const PROCESS_PY = `
import os, pathlib, sys, time
name = sys.argv[1]
rendezvous = pathlib.Path(sys.argv[2])
text = pathlib.Path("/opt/ml/processing/input/data/in.txt").read_text()
out = pathlib.Path("/opt/ml/processing/output/result.txt")
out.write_text(text.upper())
(rendezvous / name).write_text("written")
deadline = time.time() + 60
while len(list(rendezvous.iterdir())) < 2:
    if time.time() > deadline:
        sys.exit("the other job never ran")
    time.sleep(0.02)
assert out.read_text() == text.upper(), "another job wrote into my /opt/ml: " + out.read_text()
print("config", sorted(os.listdir("/opt/ml/config")))
`;

const TRAIN_PY = `
import json, pathlib
hps = json.loads(pathlib.Path("/opt/ml/input/config/hyperparameters.json").read_text())
rows = pathlib.Path("/opt/ml/input/data/train/rows.csv").read_text().splitlines()
pathlib.Path("/opt/ml/model/model.json").write_text(json.dumps({"rows": len(rows), "factor": int(hps["factor"])}))
pathlib.Path("/opt/ml/output/data/notes.txt").write_text("trained")
pathlib.Path("/opt/ml/checkpoints/ckpt.txt").write_text("1")
`;

const INFERENCE_PY = `
import json
def model_fn(model_dir):
    with open("/opt/ml/model/model.json") as f:
        return json.load(f)
def predict_fn(data, model):
    return {"rows": model["rows"], "y": [x * model["factor"] for x in data["x"]]}
`;

function processingJob(name: string, input: string, rendezvous: string) {
  return new CreateProcessingJobCommand({
    ProcessingJobName: name,
    RoleArn: ROLE,
    ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 1 } },
    AppSpecification: {
      ImageUri: 'sklearn-processing',
      ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/process.py'],
      ContainerArguments: [name, rendezvous],
    },
    ProcessingInputs: [
      processingInput('code', 's3://contract/code/process.py', '/opt/ml/processing/input/code'),
      processingInput('data', input, '/opt/ml/processing/input/data'),
    ],
    ProcessingOutputConfig: {
      Outputs: [processingOutput('result', `s3://contract/out/${name}`, '/opt/ml/processing/output')],
    },
  });
}

async function processingDone(local: LocalSageMaker, name: string) {
  return waitFor(`processing job ${name}`, async () => {
    const d = await local.sagemaker.send(new DescribeProcessingJobCommand({ ProcessingJobName: name }));
    return d.ProcessingJobStatus === 'InProgress' || d.ProcessingJobStatus === 'Stopping' ? undefined : d;
  });
}

describe('with a private /opt/ml per process (bubblewrap)', () => {
  const state = tempStateDir('contract');
  let local: LocalSageMaker;
  beforeAll(async () => {
    local = await LocalSageMaker.open({ stateDir: state.dir, containerIsolation: 'bubblewrap' });
    await putText(local, 's3://contract/code/process.py', PROCESS_PY);
    await putText(local, 's3://contract/in/a/in.txt', 'first job');
    await putText(local, 's3://contract/in/b/in.txt', 'second job');
    await putText(local, 's3://contract/train/rows.csv', '1\n2\n3\n');
    await putText(local, 's3://contract/src/train.py', TRAIN_PY);
  });
  afterAll(async () => {
    await local.close();
    state.cleanup();
  });

  it('two processing jobs with literal /opt/ml paths run at once, each with its own folders, outputs in S3', async () => {
    const rendezvous = mkdtempSync(join(tmpdir(), 'sm-rendezvous-'));
    try {
      await local.sagemaker.send(processingJob('literal-a', 's3://contract/in/a/', rendezvous));
      await local.sagemaker.send(processingJob('literal-b', 's3://contract/in/b/', rendezvous));
      const [a, b] = await Promise.all([processingDone(local, 'literal-a'), processingDone(local, 'literal-b')]);
      expect(a.FailureReason ?? '').toBe('');
      expect([a.ProcessingJobStatus, b.ProcessingJobStatus]).toEqual(['Completed', 'Completed']);
      expect(await getText(local, 's3://contract/out/literal-a/result.txt')).toBe('FIRST JOB');
      expect(await getText(local, 's3://contract/out/literal-b/result.txt')).toBe('SECOND JOB');
    } finally {
      rmSync(rendezvous, { recursive: true, force: true });
    }
    expect(hostOptMl()).toEqual(hostBefore);
  });

  it('a training script with literal /opt/ml paths: its model reaches S3, and an endpoint loads /opt/ml/model', async () => {
    await local.sagemaker.send(
      new CreateTrainingJobCommand({
        TrainingJobName: 'literal-train',
        RoleArn: ROLE,
        AlgorithmSpecification: {
          TrainingImage: 'pytorch-training',
          TrainingInputMode: 'File',
          ContainerEntrypoint: ['python3', '/opt/ml/input/data/code/train.py'],
        },
        HyperParameters: { factor: '3' },
        InputDataConfig: [
          {
            ChannelName: 'train',
            DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://contract/train/' } },
          },
          {
            ChannelName: 'code',
            DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://contract/src/' } },
          },
        ],
        OutputDataConfig: { S3OutputPath: 's3://contract/models' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
        StoppingCondition: { MaxRuntimeInSeconds: 120 },
      }),
    );
    const job = await waitFor('training', async () => {
      const d = await local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'literal-train' }));
      return d.TrainingJobStatus === 'InProgress' ? undefined : d;
    });
    expect(job.FailureReason ?? '').toBe('');
    const modelUri = job.ModelArtifacts?.S3ModelArtifacts as string;
    expect(JSON.parse(await readFromArchive(local, modelUri, 'model.json'))).toEqual({ rows: 3, factor: 3 });
    expect(await readFromArchive(local, modelUri.replace('model.tar.gz', 'output.tar.gz'), 'notes.txt')).toBe(
      'trained',
    );

    const served = await putModelArchive(local, 'contract', 'served/model.tar.gz', {
      'model.json': JSON.stringify({ rows: 3, factor: 3 }),
      'code/inference.py': INFERENCE_PY,
    });
    await local.sagemaker.send(
      new CreateModelCommand({
        ModelName: 'literal-model',
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: 'pytorch-inference', ModelDataUrl: served },
      }),
    );
    await local.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'literal-config',
        ProductionVariants: [
          { VariantName: 'v', ModelName: 'literal-model', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' },
        ],
      }),
    );
    await local.sagemaker.send(
      new CreateEndpointCommand({ EndpointName: 'literal-endpoint', EndpointConfigName: 'literal-config' }),
    );
    await waitForEndpoint(local, 'literal-endpoint');
    const out = await local.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: 'literal-endpoint',
        ContentType: 'application/json',
        Body: '{"x":[2]}',
      }),
    );
    expect(JSON.parse(new TextDecoder().decode(out.Body))).toEqual({ rows: 3, y: [6] });
    expect(hostOptMl()).toEqual(hostBefore);
  });
});

describe('without a private /opt/ml (containerIsolation: none)', () => {
  const state = tempStateDir('contract-none');
  let local: LocalSageMaker;
  beforeAll(async () => {
    local = await LocalSageMaker.open({ stateDir: state.dir, containerIsolation: 'none' });
    await putText(local, 's3://contract/code/process.py', PROCESS_PY);
    await putText(local, 's3://contract/in/a/in.txt', 'first job');
  });
  afterAll(async () => {
    await local.close();
    state.cleanup();
  });

  it('a literal /opt/ml path fails the job with an error naming the path and the fix', async () => {
    await local.sagemaker.send(processingJob('literal-none', 's3://contract/in/a/', tmpdir()));
    const job = await processingDone(local, 'literal-none');
    expect(job.ProcessingJobStatus).toBe('Failed');
    expect(job.FailureReason).toContain('/opt/ml/processing/input/data/in.txt is a SageMaker container path');
    expect(job.FailureReason).toContain('apt-get install bubblewrap');
    expect(hostOptMl()).toEqual(hostBefore);
  });

  it("a shell script that writes to the machine's /opt/ml fails the job with an error naming the path and the fix", async () => {
    // The path is built in the script, so no rewriting of its text or arguments can catch it; only the Python
    // guard knew about container paths before. Where /opt is writable (root), the write reaches the host.
    const canWriteHost = (() => {
      try {
        accessSync(existsSync('/opt/ml') ? '/opt/ml' : '/opt', constants.W_OK);
        return true;
      } catch {
        return false;
      }
    })();
    await putText(
      local,
      's3://contract/shell/write.sh',
      'd=/opt/ml\nmkdir -p "$d/output" && echo hi > "$d/output/from-shell.txt"\n',
    );
    const written = '/opt/ml/output/from-shell.txt';
    try {
      await local.sagemaker.send(
        new CreateProcessingJobCommand({
          ProcessingJobName: 'shell-none',
          RoleArn: ROLE,
          ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 1 } },
          AppSpecification: {
            ImageUri: 'sklearn-processing',
            ContainerEntrypoint: ['sh', '/opt/ml/processing/input/code/write.sh'],
          },
          ProcessingInputs: [processingInput('code', 's3://contract/shell/write.sh', '/opt/ml/processing/input/code')],
        }),
      );
      const job = await processingDone(local, 'shell-none');
      expect(job.ProcessingJobStatus).toBe('Failed');
      if (canWriteHost) {
        expect(job.FailureReason).toContain("the machine's own /opt/ml changed while the job ran");
        expect(job.FailureReason).toContain(written);
        expect(job.FailureReason).toContain('apt-get install bubblewrap');
      } else {
        // Without write access the script's own write fails: not silent either.
        expect(job.FailureReason).toContain('ExitCode');
      }
    } finally {
      // Remove what the script wrote on the host: all of /opt/ml when there was none before.
      if (hostBefore === null) rmSync('/opt/ml', { recursive: true, force: true });
      else if (!hostBefore.some((entry) => String(entry) === 'output'))
        rmSync('/opt/ml/output', { recursive: true, force: true });
      else rmSync(written, { force: true });
    }
    expect(hostOptMl()).toEqual(hostBefore);
  });
});
