// The seed's pipeline, written with the SDK only (this file is the README's main example):
// preprocess (raw zip + annotated images) -> train (PyTorch DDP on spot) -> evaluate
// (evaluation.json as a property file) -> accuracy >= gate ? register : fail.
import {
  ConditionStep,
  ExecutionVariables,
  FailStep,
  Join,
  JsonGet,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
  ProcessingStep,
  PropertyFile,
  RegisterModelStep,
  TrainingStep,
  greaterThanOrEqualTo,
  type PipelineExpression,
} from '../../../src/index.js';

const bucket = 'parity-bucket';
const role = 'arn:aws:iam::123456789012:role/SageMakerRole';
const pipelineName = 'SeedImageClassification';
const trainImage = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-gpu-py311';
const cpuImage = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311';
const inferenceImage = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3-cpu-py311';

const input = <N extends string>(name: N, source: string | PipelineExpression<string>, destination: string) => ({
  InputName: name,
  AppManaged: false,
  S3Input: {
    S3Uri: source,
    LocalPath: destination,
    S3DataType: 'S3Prefix' as const,
    S3InputMode: 'File' as const,
    S3DataDistributionType: 'FullyReplicated' as const,
    S3CompressionType: 'None' as const,
  },
});

// Outputs go to s3://<bucket>/<pipeline>/<execution id>/<step>/output/<name>, one folder per execution.
const output = <N extends string>(step: string, name: N, source: string) => ({
  OutputName: name,
  AppManaged: false,
  S3Output: {
    S3Uri: new Join({
      on: '/',
      values: ['s3:/', bucket, pipelineName, ExecutionVariables.PIPELINE_EXECUTION_ID, step, 'output', name],
    }),
    LocalPath: source,
    S3UploadMode: 'EndOfJob' as const,
  },
});

const script = (file: string) => ({
  ImageUri: cpuImage,
  ContainerEntrypoint: ['python3', `/opt/ml/processing/input/code/${file}`],
});

const cpuCluster = { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } } as const;

export function build(): Pipeline {
  const datasetZip = new ParameterString({
    name: 'DatasetZipUri',
    defaultValue: `s3://${bucket}/raw/fashion-mnist.zip`,
  });
  const annotated = new ParameterString({ name: 'AnnotatedPrefix', defaultValue: `s3://${bucket}/annotated/` });
  const modelName = new ParameterString({
    name: 'ModelName',
    defaultValue: 'resnet34',
    enumValues: ['resnet18', 'resnet26', 'resnet34'],
  });
  const batchSize = new ParameterInteger({ name: 'BatchSize', defaultValue: 64 });
  const optimizer = new ParameterString({ name: 'Optimizer', defaultValue: 'SGD', enumValues: ['SGD', 'Adam'] });
  const learningRate = new ParameterFloat({ name: 'LearningRate', defaultValue: 0.0018308341419607547 });
  const accuracyGate = new ParameterFloat({ name: 'AccuracyGate', defaultValue: 0.735 });
  const approval = new ParameterString({ name: 'ModelApprovalStatus', defaultValue: 'PendingManualApproval' });

  const preprocess = new ProcessingStep({
    name: 'Preprocess',
    arguments: {
      ProcessingResources: cpuCluster,
      AppSpecification: script('preprocess.py'),
      RoleArn: role,
      ProcessingInputs: [
        input('raw', datasetZip, '/opt/ml/processing/input/raw'),
        input('annotated', annotated, '/opt/ml/processing/input/annotated'),
        input('code', `s3://${bucket}/code/preprocess.py`, '/opt/ml/processing/input/code'),
      ],
      ProcessingOutputConfig: {
        Outputs: [
          output('Preprocess', 'train', '/opt/ml/processing/output/train'),
          output('Preprocess', 'test', '/opt/ml/processing/output/test'),
        ],
      },
    },
  });

  const modelsPath = `s3://${bucket}/models`;
  const train = new TrainingStep({
    name: 'Train',
    arguments: {
      AlgorithmSpecification: {
        TrainingInputMode: 'File',
        TrainingImage: trainImage,
        MetricDefinitions: [
          { Name: 'train:loss', Regex: 'train_loss=([0-9.]+)' },
          { Name: 'validation:accuracy', Regex: 'val_acc=([0-9.]+)' },
        ],
      },
      OutputDataConfig: { S3OutputPath: modelsPath },
      // Managed spot: wait up to 4 h for capacity, run at most 3 h, resume from checkpoints.
      StoppingCondition: { MaxRuntimeInSeconds: 3 * 3600, MaxWaitTimeInSeconds: 4 * 3600 },
      EnableManagedSpotTraining: true,
      CheckpointConfig: { S3Uri: `s3://${bucket}/checkpoints/seed` },
      ResourceConfig: { VolumeSizeInGB: 30, InstanceCount: 1, InstanceType: 'ml.g4dn.12xlarge' },
      RoleArn: role,
      InputDataConfig: (['train', 'test'] as const).map((channel) => ({
        DataSource: {
          S3DataSource: {
            S3DataType: 'S3Prefix' as const,
            S3Uri: preprocess.properties.ProcessingOutputConfig.Outputs[channel].S3Output.S3Uri,
            S3DataDistributionType: 'FullyReplicated' as const,
          },
        },
        ChannelName: channel,
      })),
      HyperParameters: {
        'model-name': modelName,
        'batch-size': batchSize.asString(),
        optimizer,
        'learning-rate': learningRate.asString(),
        epochs: '10',
        // What the PyTorch container reads (the Python SDK JSON-encodes these values).
        sagemaker_submit_directory: JSON.stringify(`s3://${bucket}/code/train/sourcedir.tar.gz`),
        sagemaker_program: JSON.stringify('train.py'),
        sagemaker_container_log_level: '20',
        sagemaker_region: JSON.stringify('us-east-1'),
        sagemaker_distributed_dataparallel_enabled: 'true',
        sagemaker_instance_type: JSON.stringify('ml.g4dn.12xlarge'),
        sagemaker_distributed_dataparallel_custom_mpi_options: JSON.stringify('-verbose -x NCCL_DEBUG=VERSION'),
      },
      DebugHookConfig: { S3OutputPath: modelsPath, CollectionConfigurations: [] },
      ProfilerConfig: { S3OutputPath: modelsPath, DisableProfiler: false },
    },
  });

  const report = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
  const evaluate = new ProcessingStep({
    name: 'Evaluate',
    arguments: {
      ProcessingResources: cpuCluster,
      AppSpecification: script('evaluate.py'),
      RoleArn: role,
      ProcessingInputs: [
        input('model', train.properties.ModelArtifacts.S3ModelArtifacts, '/opt/ml/processing/model'),
        input(
          'test',
          preprocess.properties.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri,
          '/opt/ml/processing/test',
        ),
        input('code', `s3://${bucket}/code/evaluate.py`, '/opt/ml/processing/input/code'),
      ],
      ProcessingOutputConfig: {
        Outputs: (['evaluation', 'drift', 'explanation', 'robustness'] as const).map((name) =>
          output('Evaluate', name, `/opt/ml/processing/${name}`),
        ),
      },
    },
    propertyFiles: [report],
  });

  const register = new RegisterModelStep({
    name: 'RegisterModel-RegisterModel',
    arguments: {
      ModelPackageGroupName: 'SeedImageClassifier',
      ModelMetrics: {
        ModelQuality: {
          Statistics: {
            ContentType: 'application/json',
            S3Uri: new Join({
              on: '/',
              values: [
                evaluate.properties.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri,
                'evaluation.json',
              ],
            }),
          },
        },
        Bias: {},
        Explainability: {},
      },
      InferenceSpecification: {
        Containers: [
          { Image: inferenceImage, Environment: {}, ModelDataUrl: train.properties.ModelArtifacts.S3ModelArtifacts },
        ],
        SupportedContentTypes: ['application/x-image', 'image/jpeg', 'image/png'],
        SupportedResponseMIMETypes: ['application/json'],
        SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large'],
        SupportedTransformInstanceTypes: ['ml.m5.large'],
      },
      ModelApprovalStatus: approval,
      SkipModelValidation: 'None',
    },
  });

  const accuracy = new JsonGet<number>({ step: evaluate, propertyFile: report, jsonPath: 'metrics.accuracy.value' });
  const gate = new ConditionStep({
    name: 'CheckAccuracy',
    conditions: [greaterThanOrEqualTo(accuracy, accuracyGate)],
    ifSteps: [register],
    elseSteps: [
      new FailStep({
        name: 'AccuracyBelowGate',
        errorMessage: new Join({ on: ' ', values: ['Accuracy', accuracy, 'is below the gate', accuracyGate] }),
      }),
    ],
  });

  return new Pipeline({
    name: pipelineName,
    parameters: [datasetZip, annotated, modelName, batchSize, optimizer, learningRate, accuracyGate, approval],
    steps: [preprocess, train, evaluate, gate],
  });
}
