/**
 * Pipeline definitions in the exact shape the SageMaker Python SDK v2 (2.257.x) writes them
 * (see shared/reference/sagemaker-pipelines.md §1-§3): ScriptProcessor / PyTorch estimator arguments,
 * JSON-encoded hyperparameters, Std:Join around pipeline variables, PropertyFiles + Std:JsonGet.
 */
const ROLE = 'arn:aws:iam::000000000000:role/SageMakerRole';
export const TRAINING_IMAGE =
  '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5.1-cpu-py311-ubuntu22.04-sagemaker';
export const INFERENCE_IMAGE =
  '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.5.1-cpu-py311-ubuntu22.04-sagemaker';
const SKLEARN_IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';

// Output paths without the execution id, so a second run with the same inputs is a cache hit (as on AWS,
// where the cache key is the evaluated arguments).
export function processingArguments(extraArgs: unknown[], options: { code?: string; withData?: boolean } = {}) {
  const inputs: unknown[] = [];
  if (options.withData !== false) {
    inputs.push({
      InputName: 'input-1',
      AppManaged: false,
      S3Input: {
        S3Uri: { Get: 'Parameters.InputDataUrl' },
        LocalPath: '/opt/ml/processing/input',
        S3DataType: 'S3Prefix',
        S3InputMode: 'File',
        S3DataDistributionType: 'FullyReplicated',
        S3CompressionType: 'None',
      },
    });
  }
  inputs.push({
    InputName: 'code',
    AppManaged: false,
    S3Input: {
      S3Uri: options.code ?? 's3://sm-bucket/code/preprocess.py',
      LocalPath: '/opt/ml/processing/input/code',
      S3DataType: 'S3Prefix',
      S3InputMode: 'File',
      S3DataDistributionType: 'FullyReplicated',
      S3CompressionType: 'None',
    },
  });
  return {
    ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
    AppSpecification: {
      ImageUri: SKLEARN_IMAGE,
      ContainerArguments: extraArgs,
      ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/preprocess.py'],
    },
    RoleArn: ROLE,
    ProcessingInputs: inputs,
    ProcessingOutputConfig: {
      Outputs: [
        {
          OutputName: 'train',
          AppManaged: false,
          S3Output: {
            S3Uri: {
              'Std:Join': {
                On: '/',
                Values: ['s3:/', 'sm-bucket', { Get: 'Execution.PipelineName' }, 'Preprocess', 'train'],
              },
            },
            LocalPath: '/opt/ml/processing/output/train',
            S3UploadMode: 'EndOfJob',
          },
        },
        {
          OutputName: 'evaluation',
          AppManaged: false,
          S3Output: {
            S3Uri: {
              'Std:Join': {
                On: '/',
                Values: ['s3:/', 'sm-bucket', { Get: 'Execution.PipelineName' }, 'Preprocess', 'evaluation'],
              },
            },
            LocalPath: '/opt/ml/processing/output/evaluation',
            S3UploadMode: 'EndOfJob',
          },
        },
      ],
    },
  };
}

export function trainingArguments(trainUri: unknown, hyperparameters: Record<string, unknown> = {}) {
  return {
    AlgorithmSpecification: {
      TrainingInputMode: 'File',
      TrainingImage: TRAINING_IMAGE,
      MetricDefinitions: [{ Name: 'val:accuracy', Regex: 'val_accuracy=([0-9\\.]+);' }],
    },
    OutputDataConfig: { S3OutputPath: 's3://sm-bucket/models' },
    StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    ResourceConfig: { VolumeSizeInGB: 30, InstanceCount: 1, InstanceType: 'ml.m5.xlarge' },
    RoleArn: ROLE,
    InputDataConfig: [
      {
        DataSource: {
          S3DataSource: { S3DataType: 'S3Prefix', S3Uri: trainUri, S3DataDistributionType: 'FullyReplicated' },
        },
        ChannelName: 'train',
      },
    ],
    HyperParameters: {
      epochs: { 'Std:Join': { On: '', Values: [{ Get: 'Parameters.Epochs' }] } },
      lr: '0.1',
      optimizer: '"adam"',
      sagemaker_submit_directory: '"s3://sm-bucket/code/sourcedir.tar.gz"',
      sagemaker_program: '"train.py"',
      sagemaker_container_log_level: '20',
      sagemaker_region: '"us-east-1"',
      ...hyperparameters,
    },
    DebugHookConfig: { S3OutputPath: 's3://sm-bucket/', CollectionConfigurations: [] },
    ProfilerConfig: { S3OutputPath: 's3://sm-bucket/', DisableProfiler: false },
  };
}

/** Preprocess (property file) -> Train -> Condition(JsonGet >= threshold) -> RegisterModel | Fail. */
export function trainAndRegisterDefinition() {
  return {
    Version: '2020-12-01',
    Metadata: {},
    Parameters: [
      { Name: 'InputDataUrl', Type: 'String', DefaultValue: 's3://lake/raw' },
      { Name: 'Epochs', Type: 'Integer', DefaultValue: 3 },
      { Name: 'ReportedAccuracy', Type: 'Float', DefaultValue: 0.75 },
      { Name: 'AccuracyThreshold', Type: 'Float', DefaultValue: 0.7 },
      { Name: 'ModelApprovalStatus', Type: 'String', DefaultValue: 'PendingManualApproval' },
    ],
    PipelineExperimentConfig: {
      ExperimentName: { Get: 'Execution.PipelineName' },
      TrialName: { Get: 'Execution.PipelineExecutionId' },
    },
    Steps: [
      {
        Name: 'Preprocess',
        Type: 'Processing',
        Arguments: processingArguments([
          '--input',
          '/opt/ml/processing/input',
          '--output',
          '/opt/ml/processing/output',
          '--accuracy',
          { 'Std:Join': { On: '', Values: [{ Get: 'Parameters.ReportedAccuracy' }] } },
        ]),
        CacheConfig: { Enabled: true, ExpireAfter: 'PT1H' },
        PropertyFiles: [
          { PropertyFileName: 'EvaluationReport', OutputName: 'evaluation', FilePath: 'evaluation.json' },
        ],
      },
      {
        Name: 'Train',
        Type: 'Training',
        Arguments: trainingArguments({
          Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri",
        }),
      },
      {
        Name: 'CheckAccuracy',
        Type: 'Condition',
        Arguments: {
          Conditions: [
            {
              Type: 'GreaterThanOrEqualTo',
              LeftValue: {
                'Std:JsonGet': {
                  PropertyFile: { Get: 'Steps.Preprocess.PropertyFiles.EvaluationReport' },
                  Path: 'metrics.accuracy.value',
                },
              },
              RightValue: { Get: 'Parameters.AccuracyThreshold' },
            },
          ],
          IfSteps: [
            {
              Name: 'RegisterModel-RegisterModel',
              Type: 'RegisterModel',
              Arguments: {
                ModelPackageGroupName: 'fashion-classifier',
                ModelMetrics: {
                  ModelQuality: {
                    Statistics: {
                      ContentType: 'application/json',
                      S3Uri: {
                        'Std:Join': {
                          On: '/',
                          Values: [
                            { Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri" },
                            'evaluation.json',
                          ],
                        },
                      },
                    },
                  },
                },
                InferenceSpecification: {
                  Containers: [
                    {
                      Image: INFERENCE_IMAGE,
                      Environment: {
                        SAGEMAKER_PROGRAM: 'inference.py',
                        SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
                      },
                      ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' },
                    },
                  ],
                  SupportedContentTypes: ['application/json'],
                  SupportedResponseMIMETypes: ['application/json'],
                  SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large'],
                  SupportedTransformInstanceTypes: ['ml.m5.large'],
                },
                ModelApprovalStatus: { Get: 'Parameters.ModelApprovalStatus' },
                CustomerMetadataProperties: {
                  accuracy: {
                    'Std:Join': {
                      On: '',
                      Values: [
                        {
                          'Std:JsonGet': {
                            PropertyFile: { Get: 'Steps.Preprocess.PropertyFiles.EvaluationReport' },
                            Path: 'metrics.accuracy.value',
                          },
                        },
                      ],
                    },
                  },
                },
              },
            },
          ],
          ElseSteps: [
            {
              Name: 'AccuracyTooLow',
              Type: 'Fail',
              Arguments: {
                ErrorMessage: {
                  'Std:Join': {
                    On: ' ',
                    Values: [
                      'Accuracy',
                      {
                        'Std:JsonGet': {
                          PropertyFile: { Get: 'Steps.Preprocess.PropertyFiles.EvaluationReport' },
                          Path: 'metrics.accuracy.value',
                        },
                      },
                      'is below',
                      { Get: 'Parameters.AccuracyThreshold' },
                    ],
                  },
                },
              },
            },
          ],
        },
      },
    ],
  };
}
