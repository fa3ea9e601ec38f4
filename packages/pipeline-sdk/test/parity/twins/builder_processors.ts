import {
  ExecutionVariables,
  FrameworkProcessor,
  Join,
  ParameterInteger,
  ParameterString,
  Pipeline,
  PipelineSession,
  ScriptProcessor,
  pytorchImageUri,
} from '../../../src/index.js';
import { BUCKET, IMAGE, REGION, ROLE } from './common.js';

export function build(): Pipeline {
  const session = new PipelineSession({ pipelineName: 'BuilderProcessors', defaultBucket: BUCKET, region: REGION });
  const lake = new ParameterString({ name: 'Lake', defaultValue: `s3://${BUCKET}/lake` });
  const count = new ParameterInteger({ name: 'Count', defaultValue: 1 });
  const script = new ScriptProcessor({
    session,
    imageUri: IMAGE,
    command: ['python3'],
    role: ROLE,
    instanceType: 'ml.m5.xlarge',
    instanceCount: count,
    volumeSizeInGB: 50,
    maxRuntimeInSeconds: 3600,
    env: { STAGE: 'prep', RUN: ExecutionVariables.PIPELINE_EXECUTION_ID },
  });
  const prepare = script.step({
    name: 'Prepare',
    code: `s3://${BUCKET}/code/prepare.py`,
    inputs: [
      {
        source: new Join({ on: '/', values: [lake, 'raw'] }),
        destination: '/opt/ml/processing/input/raw',
        inputName: 'raw',
      },
      {
        source: `s3://${BUCKET}/labels`,
        destination: '/opt/ml/processing/input/labels',
        inputName: 'labels',
        s3DataDistributionType: 'ShardedByS3Key',
        s3InputMode: 'Pipe',
      },
    ],
    outputs: [
      { outputName: 'train', source: '/opt/ml/processing/train' },
      {
        outputName: 'report',
        source: '/opt/ml/processing/report',
        destination: `s3://${BUCKET}/reports`,
        s3UploadMode: 'Continuous',
      },
    ],
    arguments: ['--split', '0.8'],
  });
  const framework = new FrameworkProcessor({
    session,
    imageUri: pytorchImageUri({
      region: REGION,
      frameworkVersion: '2.3.0',
      pythonVersion: 'py311',
      scope: 'training',
      instanceType: 'ml.m5.2xlarge',
    }),
    role: ROLE,
    instanceType: 'ml.m5.2xlarge',
    command: ['python'],
  });
  const evaluate = framework.step({
    name: 'Evaluate',
    code: 'evaluate.py',
    sourceDir: `s3://${BUCKET}/code/sourcedir.tar.gz`,
    inputs: [
      {
        source: prepare.properties.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri,
        destination: '/opt/ml/processing/train',
        inputName: 'train',
      },
    ],
    outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
    arguments: ['--metric', 'accuracy'],
  });
  return new Pipeline({ name: 'BuilderProcessors', parameters: [lake, count], steps: [prepare, evaluate] });
}
