import { FailStep, NotebookJobStep, Pipeline } from '../../../src/index.js';
import { BUCKET, REGION, ROLE } from './common.js';

export function build(): Pipeline {
  const notebook = new NotebookJobStep({
    name: 'Report',
    pipelineName: 'NotebookInit',
    region: REGION,
    notebookJobName: 'weekly-report',
    inputNotebook: 'report.ipynb',
    initializationScript: 'init.sh',
    imageUri: '885854791233.dkr.ecr.us-east-1.amazonaws.com/sagemaker-distribution-prod:1-cpu',
    kernelName: 'python3',
    role: ROLE,
    s3RootUri: `s3://${BUCKET}/nb`,
    tags: [{ Key: 'team', Value: 'ml' }],
    retryPolicies: [{ exceptionTypes: ['Step.THROTTLING'], maxAttempts: 2 }],
    timestamp: new Date(Date.UTC(2024, 1, 3, 4, 5, 6, 7)),
  });
  const done = new FailStep({
    name: 'Done',
    errorMessage: notebook.properties.OutputNotebookName,
    dependsOn: [notebook],
  });
  return new Pipeline({ name: 'NotebookInit', steps: [notebook, done] });
}
