import { Pipeline, PipelineSession, PyTorchEstimator, ScriptProcessor } from '../../../src/index.js';
import { BUCKET, IMAGE, REGION, ROLE } from './common.js';

export function build(): Pipeline {
  const session = new PipelineSession({ pipelineName: 'CustomJobPrefix', defaultBucket: BUCKET, region: REGION });
  const processor = new ScriptProcessor({
    session,
    imageUri: IMAGE,
    command: ['python3'],
    role: ROLE,
    instanceType: 'ml.m5.large',
    baseJobName: 'team-a-prep',
  });
  const prep = processor.step({
    name: 'Prep',
    code: `s3://${BUCKET}/code/prep.py`,
    outputs: [{ outputName: 'data', source: '/opt/ml/processing/data' }],
    retryPolicies: [
      { exceptionTypes: ['Step.THROTTLING'] },
      { exceptionTypes: ['Step.SERVICE_FAULT'], maxAttempts: 3, expireAfterMin: 30 },
      {
        exceptionTypes: ['SageMaker.CAPACITY_ERROR'],
        maxAttempts: 5,
        expireAfterMin: 0,
        backoffRate: 1.5,
        intervalSeconds: 10,
      },
    ],
  });
  const estimator = new PyTorchEstimator({
    session,
    entryPoint: 'train.py',
    sourceDir: `s3://${BUCKET}/code/sourcedir.tar.gz`,
    frameworkVersion: '2.3.0',
    pythonVersion: 'py311',
    role: ROLE,
    instanceType: 'ml.m5.xlarge',
    baseJobName: 'team-a-train',
    outputPath: `s3://${BUCKET}/models`,
  });
  const train = estimator.step({
    name: 'Train',
    inputs: { train: prep.properties.ProcessingOutputConfig.Outputs['data'].S3Output.S3Uri },
  });
  return new Pipeline({ name: 'CustomJobPrefix', steps: [prep, train], useCustomJobPrefix: true });
}
