import { AutoMLStep, EMRStep, FailStep, Join, NotebookJobStep, ParameterString, Pipeline } from '../../../src/index.js';
import { BUCKET, REGION, ROLE } from './common.js';

export function build(): Pipeline {
  const cluster = new ParameterString({ name: 'ClusterId', defaultValue: 'j-1ABCDEFGHIJKL' });
  const onCluster = new EMRStep({
    name: 'EmrOnCluster',
    displayName: 'Spark job',
    description: 'runs on a cluster',
    clusterId: cluster,
    executionRoleArn: ROLE,
    stepConfig: {
      jar: 'command-runner.jar',
      args: ['spark-submit', `s3://${BUCKET}/emr/job.py`],
      properties: [{ Key: 'mapred.tasktracker.map.tasks.maximum', Value: '2' }],
    },
  });
  const newCluster = new EMRStep({
    name: 'EmrNewCluster',
    displayName: 'Spark job (new cluster)',
    description: 'runs on a new cluster',
    stepConfig: { jar: 'command-runner.jar', args: ['spark-submit', 'job.py'], mainClass: 'org.example.Main' },
    clusterConfig: {
      Instances: { InstanceGroups: [{ InstanceRole: 'MASTER', InstanceCount: 1, InstanceType: 'm5.xlarge' }] },
      ReleaseLabel: 'emr-6.15.0',
    },
  });
  const automl = new AutoMLStep({
    name: 'AutoML',
    arguments: {
      InputDataConfig: [
        {
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/automl/train.csv` } },
          TargetAttributeName: 'label',
          ChannelType: 'training',
        },
      ],
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/automl` },
      AutoMLJobConfig: {
        CompletionCriteria: { MaxCandidates: 3 },
        SecurityConfig: { EnableInterContainerTrafficEncryption: false },
        Mode: 'ENSEMBLING',
      },
      RoleArn: ROLE,
      AutoMLJobObjective: { MetricName: 'F1' },
      ProblemType: 'BinaryClassification',
    },
  });
  const notebook = new NotebookJobStep({
    name: 'Notebook',
    pipelineName: 'EmrAutoMLNotebook',
    region: REGION,
    inputNotebook: 'analysis.ipynb',
    imageUri: '885854791233.dkr.ecr.us-east-1.amazonaws.com/sagemaker-distribution-prod:1-cpu',
    kernelName: 'python3',
    role: ROLE,
    instanceType: 'ml.m5.large',
    s3RootUri: `s3://${BUCKET}/notebooks`,
    parameters: { alpha: '0.5' },
    environmentVariables: { STAGE: 'test' },
    maxRuntimeInSeconds: 3600,
    timestamp: new Date(Date.UTC(2024, 0, 1)),
  });
  const report = new FailStep({
    name: 'Report',
    errorMessage: new Join({
      on: ' ',
      values: [
        automl.properties.BestCandidateProperties.ModelInsightsJsonReportPath,
        notebook.properties.ComputingJobStatus,
        onCluster.properties.Status.State,
      ],
    }),
  });
  return new Pipeline({
    name: 'EmrAutoMLNotebook',
    parameters: [cluster],
    steps: [onCluster, newCluster, automl, notebook, report],
  });
}
