// The README's main example, verbatim except for the import path (test/readme.test.ts keeps them in sync).
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
} from '../src/index.js';

const bucket = 'my-bucket';
const role = 'arn:aws:iam::123456789012:role/SageMakerRole';
const pipelineName = 'SeedImageClassification';
const cpuImage = '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311';

const input = <N extends string>(name: N, source: string | PipelineExpression<string>, destination: string) => ({
  InputName: name,
  S3Input: { S3Uri: source, LocalPath: destination, S3DataType: 'S3Prefix' as const, S3InputMode: 'File' as const },
});
// One output folder per execution: s3://<bucket>/<pipeline>/<execution id>/<step>/output/<name>
const output = <N extends string>(step: string, name: N, source: string) => ({
  OutputName: name,
  S3Output: {
    S3Uri: new Join({
      on: '/',
      values: ['s3:/', bucket, pipelineName, ExecutionVariables.PIPELINE_EXECUTION_ID, step, 'output', name],
    }),
    LocalPath: source,
    S3UploadMode: 'EndOfJob' as const,
  },
});
const cpuCluster = { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } } as const;

const datasetZip = new ParameterString({ name: 'DatasetZipUri', defaultValue: `s3://${bucket}/raw/images.zip` });
const annotated = new ParameterString({ name: 'AnnotatedPrefix', defaultValue: `s3://${bucket}/annotated/` });
const modelName = new ParameterString({
  name: 'ModelName',
  defaultValue: 'resnet34',
  enumValues: ['resnet18', 'resnet26', 'resnet34'],
});
const batchSize = new ParameterInteger({ name: 'BatchSize', defaultValue: 64 });
const learningRate = new ParameterFloat({ name: 'LearningRate', defaultValue: 0.0018308341419607547 });
const accuracyGate = new ParameterFloat({ name: 'AccuracyGate', defaultValue: 0.735 });
const approval = new ParameterString({ name: 'ModelApprovalStatus', defaultValue: 'PendingManualApproval' });

const preprocess = new ProcessingStep({
  name: 'Preprocess',
  arguments: {
    ProcessingResources: cpuCluster,
    AppSpecification: {
      ImageUri: cpuImage,
      ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/preprocess.py'],
    },
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

const train = new TrainingStep({
  name: 'Train',
  arguments: {
    AlgorithmSpecification: {
      TrainingInputMode: 'File',
      TrainingImage: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-gpu-py311',
      MetricDefinitions: [{ Name: 'validation:accuracy', Regex: 'val_acc=([0-9.]+)' }],
    },
    RoleArn: role,
    OutputDataConfig: { S3OutputPath: `s3://${bucket}/models` },
    ResourceConfig: { InstanceType: 'ml.g4dn.12xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
    // Managed spot: wait up to 4 h for capacity, run at most 3 h, resume from checkpoints.
    EnableManagedSpotTraining: true,
    StoppingCondition: { MaxRuntimeInSeconds: 3 * 3600, MaxWaitTimeInSeconds: 4 * 3600 },
    CheckpointConfig: { S3Uri: `s3://${bucket}/checkpoints/seed` },
    InputDataConfig: (['train', 'test'] as const).map((channel) => ({
      ChannelName: channel,
      DataSource: {
        S3DataSource: {
          S3DataType: 'S3Prefix' as const,
          // Typed: 'train' and 'test' are Preprocess's declared outputs.
          S3Uri: preprocess.properties.ProcessingOutputConfig.Outputs[channel].S3Output.S3Uri,
        },
      },
    })),
    HyperParameters: {
      'model-name': modelName,
      'batch-size': batchSize.asString(), // hyperparameters are strings: numbers need asString()
      'learning-rate': learningRate.asString(),
      sagemaker_program: JSON.stringify('train.py'),
      sagemaker_submit_directory: JSON.stringify(`s3://${bucket}/code/train/sourcedir.tar.gz`),
      sagemaker_distributed_dataparallel_enabled: 'true',
    },
  },
});

const report = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
const evaluate = new ProcessingStep({
  name: 'Evaluate',
  arguments: {
    ProcessingResources: cpuCluster,
    AppSpecification: {
      ImageUri: cpuImage,
      ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/evaluate.py'],
    },
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
    ProcessingOutputConfig: { Outputs: [output('Evaluate', 'evaluation', '/opt/ml/processing/evaluation')] },
  },
  propertyFiles: [report],
});

const accuracy = new JsonGet<number>({ step: evaluate, propertyFile: report, jsonPath: 'metrics.accuracy.value' });
const register = new RegisterModelStep({
  name: 'RegisterModel',
  arguments: {
    ModelPackageGroupName: 'SeedImageClassifier',
    ModelApprovalStatus: approval,
    InferenceSpecification: {
      Containers: [
        {
          Image: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3-cpu-py311',
          ModelDataUrl: train.properties.ModelArtifacts.S3ModelArtifacts,
        },
      ],
      SupportedContentTypes: ['application/x-image', 'image/jpeg', 'image/png'],
      SupportedResponseMIMETypes: ['application/json'],
    },
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
    },
  },
});

export const pipeline = new Pipeline({
  name: pipelineName,
  parameters: [datasetZip, annotated, modelName, batchSize, learningRate, accuracyGate, approval],
  steps: [
    preprocess,
    train,
    evaluate,
    new ConditionStep({
      name: 'CheckAccuracy',
      conditions: [greaterThanOrEqualTo(accuracy, accuracyGate)],
      ifSteps: [register],
      elseSteps: [
        new FailStep({
          name: 'AccuracyBelowGate',
          errorMessage: new Join({ on: ' ', values: ['Accuracy', accuracy, 'is below', accuracyGate] }),
        }),
      ],
    }),
  ],
});

const json: string = pipeline.definition(); // CreatePipeline's PipelineDefinition
