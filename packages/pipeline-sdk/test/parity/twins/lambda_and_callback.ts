import { CallbackStep, LambdaStep, ParameterString, Pipeline, ProcessingStep } from '../../../src/index.js';
import { scriptStepArgs } from './common.js';

export function build(): Pipeline {
  const dataset = new ParameterString({ name: 'Dataset', defaultValue: 'fashion-mnist' });
  const count = new LambdaStep({
    name: 'CountLabels',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:count-labels',
    inputs: { dataset, threshold: 100, nested: { a: [1, 2] } },
    outputs: [{ name: 'count', type: 'Integer' }, { name: 'ready', type: 'Boolean' }, { name: 'prefix' }],
    cacheConfig: { enabled: true, expireAfter: 'PT12H' },
    description: 'counts annotated images',
  });
  const wait = new CallbackStep({
    name: 'WaitForApproval',
    sqsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/approvals',
    inputs: { prefix: count.properties.Outputs.prefix, count: count.properties.Outputs.count },
    outputs: [
      { name: 'approved', type: 'Boolean' },
      { name: 'score', type: 'Float' },
    ],
    cacheConfig: { enabled: false },
  });
  const use = new ProcessingStep({
    name: 'Use',
    arguments: scriptStepArgs({
      pipelineName: 'LambdaAndCallback',
      stepName: 'Use',
      code: 'use.py',
      env: { PREFIX: count.properties.Outputs.prefix, APPROVED: wait.properties.Outputs.approved.asString() },
    }),
  });
  return new Pipeline({ name: 'LambdaAndCallback', parameters: [dataset], steps: [count, wait, use] });
}
