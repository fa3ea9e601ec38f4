import { ParameterInteger, Pipeline, PipelineSession, PyTorchEstimator, ScriptProcessor } from '../../../src/index.js';
import { BUCKET, IMAGE, REGION, ROLE } from './common.js';

export function build(): Pipeline {
  const session = new PipelineSession({
    pipelineName: 'BuilderPyTorchDefaults',
    defaultBucket: BUCKET,
    region: REGION,
  });
  const count = new ParameterInteger({ name: 'PrepCount', defaultValue: 2 });
  const processor = new ScriptProcessor({
    session,
    imageUri: IMAGE,
    command: ['python3', '-u'],
    role: ROLE,
    instanceType: 'ml.c5.xlarge',
    instanceCount: count,
  });
  const prep = processor.step({
    name: 'Prep',
    code: `s3://${BUCKET}/code/prep.py`,
    inputs: [{ source: `s3://${BUCKET}/raw`, destination: '/opt/ml/processing/raw' }],
    outputs: [{ source: '/opt/ml/processing/out' }],
  });
  const estimator = new PyTorchEstimator({
    session,
    entryPoint: 'train.py',
    sourceDir: `s3://${BUCKET}/code/sourcedir.tar.gz`,
    frameworkVersion: '2.3.0',
    pythonVersion: 'py311',
    role: ROLE,
    instanceType: 'ml.m5.xlarge',
    hyperparameters: { epochs: 3 },
  });
  const output = prep.properties.ProcessingOutputConfig.Outputs['output-1'];
  const train = estimator.step({ name: 'Train', inputs: { train: output?.S3Output.S3Uri ?? '' } });
  return new Pipeline({ name: 'BuilderPyTorchDefaults', parameters: [count], steps: [prep, train] });
}
