/**
 * requirements.txt in a source folder is installed before the code runs, as the framework containers do: into a
 * cached overlay of the image's interpreter, offline here (a wheel folder given through pipOptions).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSageMaker } from '../../src/index.js';
import { putModelArchive, putText, readFromArchive, tempStateDir, waitFor, waitForEndpoint } from './helpers.js';

const ROLE = 'arn:aws:iam::000000000000:role/sm';
const wheels = mkdtempSync(join(tmpdir(), 'sm-wheels-'));
const state = tempStateDir('requirements');
let local: LocalSageMaker;

// A pure-Python wheel written by hand (zip + dist-info), so the test needs no index and no build backend.
const MAKE_WHEEL = `
import base64, hashlib, sys, zipfile
out = sys.argv[1]
files = {
    "sm_local_demo_dep/__init__.py": "VALUE = 42\\n",
    "sm_local_demo_dep-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: sm-local-demo-dep\\nVersion: 1.0\\n",
    "sm_local_demo_dep-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(out + "/sm_local_demo_dep-1.0-py3-none-any.whl", "w") as z:
    for name, text in files.items():
        data = text.encode()
        z.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (name, digest, len(data)))
    record.append("sm_local_demo_dep-1.0.dist-info/RECORD,,")
    z.writestr("sm_local_demo_dep-1.0.dist-info/RECORD", "\\n".join(record) + "\\n")
`;

const TRAIN_PY = `
import json, os, sm_local_demo_dep
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w") as f:
    json.dump({"value": sm_local_demo_dep.VALUE}, f)
`;

const INFERENCE_PY = `
import json, sm_local_demo_dep
def model_fn(model_dir):
    return sm_local_demo_dep.VALUE
def predict_fn(data, model):
    return {"value": model}
`;

function overlays(): string[] {
  try {
    return readdirSync(join(state.dir, 'cache', 'python-overlays'));
  } catch {
    return [];
  }
}

beforeAll(async () => {
  execFileSync('python3', ['-c', MAKE_WHEEL, wheels]);
  local = await LocalSageMaker.open({
    stateDir: state.dir,
    pipOptions: ['--no-index', '--find-links', wheels],
  });
  await putModelArchive(local, 'req', 'code/sourcedir.tar.gz', {
    'train.py': TRAIN_PY,
    'requirements.txt': 'sm-local-demo-dep==1.0\n',
  });
  await putText(local, 's3://req/train/rows.csv', '1\n');
});
afterAll(async () => {
  await local.close();
  state.cleanup();
  rmSync(wheels, { recursive: true, force: true });
});

async function train(name: string) {
  await local.sagemaker.send(
    new CreateTrainingJobCommand({
      TrainingJobName: name,
      RoleArn: ROLE,
      AlgorithmSpecification: { TrainingImage: 'pytorch-training', TrainingInputMode: 'File' },
      HyperParameters: {
        sagemaker_program: '"train.py"',
        sagemaker_submit_directory: '"s3://req/code/sourcedir.tar.gz"',
      },
      InputDataConfig: [
        { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://req/train/' } } },
      ],
      OutputDataConfig: { S3OutputPath: 's3://req/models' },
      ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
      StoppingCondition: { MaxRuntimeInSeconds: 300 },
    }),
  );
  return waitFor(
    `training ${name}`,
    async () => {
      const d = await local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
      return d.TrainingJobStatus === 'InProgress' ? undefined : d;
    },
    180_000,
  );
}

describe('requirements.txt', () => {
  it('is not importable by the plain interpreter (so the test means something)', () => {
    expect(() => execFileSync('python3', ['-c', 'import sm_local_demo_dep'], { stdio: 'pipe' })).toThrow();
  });

  it('of a training source folder is installed into a cached overlay, once for equal requirements', async () => {
    const first = await train('req-1');
    expect(first.FailureReason ?? '').toBe('');
    expect(
      JSON.parse(await readFromArchive(local, first.ModelArtifacts?.S3ModelArtifacts as string, 'model.json')),
    ).toEqual({
      value: 42,
    });
    expect(overlays()).toHaveLength(1);
    const second = await train('req-2');
    expect(second.TrainingJobStatus).toBe('Completed');
    expect(overlays()).toHaveLength(1);
  }, 240_000);

  it("of a model's code/ folder is installed before the model server loads it", async () => {
    const model = await putModelArchive(local, 'req', 'served/model.tar.gz', {
      'code/inference.py': INFERENCE_PY,
      'code/requirements.txt': 'sm-local-demo-dep==1.0\n',
    });
    await local.sagemaker.send(
      new CreateModelCommand({
        ModelName: 'req-model',
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: 'pytorch-inference', ModelDataUrl: model },
      }),
    );
    await local.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'req-config',
        ProductionVariants: [
          { VariantName: 'v', ModelName: 'req-model', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' },
        ],
      }),
    );
    await local.sagemaker.send(
      new CreateEndpointCommand({ EndpointName: 'req-endpoint', EndpointConfigName: 'req-config' }),
    );
    await waitForEndpoint(local, 'req-endpoint');
    const out = await local.runtime.send(
      new InvokeEndpointCommand({ EndpointName: 'req-endpoint', ContentType: 'application/json', Body: '{}' }),
    );
    expect(JSON.parse(new TextDecoder().decode(out.Body))).toEqual({ value: 42 });
  }, 240_000);

  it('that cannot be installed fails the job with pip’s message', async () => {
    await putModelArchive(local, 'req', 'broken/sourcedir.tar.gz', {
      'train.py': TRAIN_PY,
      'requirements.txt': 'sm-local-no-such-package==9.9\n',
    });
    await local.sagemaker.send(
      new CreateTrainingJobCommand({
        TrainingJobName: 'req-broken',
        RoleArn: ROLE,
        AlgorithmSpecification: { TrainingImage: 'pytorch-training', TrainingInputMode: 'File' },
        HyperParameters: {
          sagemaker_program: '"train.py"',
          sagemaker_submit_directory: '"s3://req/broken/sourcedir.tar.gz"',
        },
        InputDataConfig: [
          { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://req/train/' } } },
        ],
        OutputDataConfig: { S3OutputPath: 's3://req/models' },
        ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
        StoppingCondition: { MaxRuntimeInSeconds: 300 },
      }),
    );
    const job = await waitFor('training req-broken', async () => {
      const d = await local.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'req-broken' }));
      return d.TrainingJobStatus === 'InProgress' ? undefined : d;
    });
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.FailureReason).toMatch(/requirements\.txt failed[\s\S]*sm-local-no-such-package/);
  }, 240_000);
});
