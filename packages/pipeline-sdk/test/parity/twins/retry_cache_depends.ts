import { Pipeline, ProcessingStep, TrainingStep } from '../../../src/index.js';
import { BUCKET, IMAGE, ROLE, channel, debuggerDefaults, scriptStepArgs } from './common.js';

export function build(): Pipeline {
  const pipelineName = 'RetryCacheDepends';
  const first = new ProcessingStep({
    name: 'First',
    displayName: 'First step',
    description: 'runs first',
    arguments: scriptStepArgs({ pipelineName, stepName: 'First', code: 'first.py' }),
    cacheConfig: { enabled: true, expireAfter: 'P30D' },
    retryPolicies: [
      { exceptionTypes: ['Step.SERVICE_FAULT', 'Step.THROTTLING'], maxAttempts: 5 },
      {
        exceptionTypes: ['SageMaker.CAPACITY_ERROR', 'SageMaker.JOB_INTERNAL_ERROR'],
        expireAfterMin: 120,
        intervalSeconds: 10,
        backoffRate: 1.5,
      },
    ],
  });
  const second = new ProcessingStep({
    name: 'Second',
    arguments: scriptStepArgs({ pipelineName, stepName: 'Second', code: 'second.py' }),
    dependsOn: [first],
  });
  const outputPath = `s3://${BUCKET}/models`;
  const train = new TrainingStep({
    name: 'Train',
    arguments: {
      AlgorithmSpecification: { TrainingInputMode: 'File', TrainingImage: IMAGE },
      OutputDataConfig: { S3OutputPath: outputPath },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      ResourceConfig: { VolumeSizeInGB: 30, InstanceCount: 1, InstanceType: 'ml.m5.xlarge' },
      RoleArn: ROLE,
      InputDataConfig: [channel('train', `s3://${BUCKET}/data/train`)],
      ...debuggerDefaults(outputPath),
    },
    dependsOn: ['First', second],
    retryPolicies: [{ exceptionTypes: ['SageMaker.RESOURCE_LIMIT'], maxAttempts: 20 }],
    cacheConfig: { enabled: true },
  });
  return new Pipeline({ name: pipelineName, steps: [first, second, train] });
}
