import { ConditionStep, EMRStep, FailStep, Pipeline, equals } from '../../../src/index.js';
import { BUCKET } from './common.js';

export function build(): Pipeline {
  const emr = new EMRStep({
    name: 'Spark',
    displayName: 'Spark',
    description: 'spark job',
    clusterId: 'j-ABC',
    stepConfig: { jar: 'command-runner.jar', args: ['spark-submit', `s3://${BUCKET}/job.py`] },
    cacheConfig: { enabled: true, expireAfter: 'PT2H' },
    retryPolicies: [{ exceptionTypes: ['Step.SERVICE_FAULT'], maxAttempts: 2 }],
  });
  const check = new ConditionStep({
    name: 'Check',
    conditions: [equals(emr.properties.Status.State, 'COMPLETED')],
    elseSteps: [new FailStep({ name: 'Failed', errorMessage: 'EMR step did not complete' })],
  });
  return new Pipeline({ name: 'EmrCacheRetry', steps: [emr, check] });
}
