import { Join, Model, ParameterString, Pipeline } from '../../../src/index.js';
import { BUCKET, ROLE } from './common.js';

const IMAGE = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3.0-cpu-py311';

export function build(): Pipeline {
  const modelData = new ParameterString({ name: 'ModelData', defaultValue: `s3://${BUCKET}/models/model.tar.gz` });
  const approval = new ParameterString({ name: 'Approval', defaultValue: 'PendingManualApproval' });
  const model = new Model({ imageUri: IMAGE, modelData, role: ROLE, env: { SAGEMAKER_PROGRAM: 'inference.py' } });
  const create = model.createStep({
    name: 'Model',
    retryPolicies: [{ exceptionTypes: ['Step.THROTTLING'], maxAttempts: 3 }],
  });
  const register = model.registerStep({
    name: 'Register',
    contentTypes: ['image/png'],
    responseTypes: ['application/json'],
    inferenceInstances: ['ml.m5.large'],
    transformInstances: ['ml.m5.large'],
    modelPackageGroupName: 'parity-models',
    approvalStatus: approval,
    modelMetrics: {
      modelStatistics: {
        s3Uri: new Join({ on: '/', values: [`s3://${BUCKET}/eval`, 'evaluation.json'] }),
        contentType: 'application/json',
      },
    },
    driftCheckBaselines: {
      modelDataStatistics: { s3Uri: `s3://${BUCKET}/baselines/statistics.json`, contentType: 'application/json' },
    },
    modelPackageDescription: 'parity model',
    dependsOn: [create],
  });
  return new Pipeline({ name: 'BuilderModelSteps', parameters: [modelData, approval], steps: [create, register] });
}
