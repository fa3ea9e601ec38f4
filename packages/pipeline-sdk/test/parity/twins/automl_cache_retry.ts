import { AutoMLStep, FailStep, Join, Pipeline } from '../../../src/index.js';
import { BUCKET, ROLE } from './common.js';

export function build(): Pipeline {
  const auto = new AutoMLStep({
    name: 'Auto',
    arguments: {
      InputDataConfig: [
        {
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/automl/data.csv` } },
          TargetAttributeName: 'y',
        },
      ],
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/automl` },
      AutoMLJobConfig: {
        CompletionCriteria: { MaxRuntimePerTrainingJobInSeconds: 600, MaxAutoMLJobRuntimeInSeconds: 3600 },
        SecurityConfig: { EnableInterContainerTrafficEncryption: false },
        Mode: 'ENSEMBLING',
      },
      RoleArn: ROLE,
    },
    cacheConfig: { enabled: true, expireAfter: 'P7D' },
    retryPolicies: [{ exceptionTypes: ['SageMaker.RESOURCE_LIMIT'], maxAttempts: 3 }],
  });
  const report = new FailStep({
    name: 'Report',
    errorMessage: new Join({
      on: ' ',
      values: [auto.properties.BestCandidateProperties.ExplainabilityJsonReportPath, auto.properties.AutoMLJobStatus],
    }),
  });
  return new Pipeline({ name: 'AutoMLCacheRetry', steps: [auto, report] });
}
