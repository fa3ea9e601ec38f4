// The README's main example, verbatim except for the import path (test/readme.test.ts keeps them in sync).
import {
  ConditionStep,
  FailStep,
  Join,
  JsonGet,
  Model,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
  PipelineSession,
  PropertyFile,
  PyTorchEstimator,
  ScriptProcessor,
  greaterThanOrEqualTo,
} from '../src/index.js';

const role = 'arn:aws:iam::123456789012:role/SageMakerRole';
// Like the Python SDK's PipelineSession: default outputs go to s3://my-bucket/<pipeline>/<execution id>/<step>/output/<name>.
const session = new PipelineSession({
  pipelineName: 'SeedImageClassification',
  defaultBucket: 'my-bucket',
  region: 'us-east-1',
});

const datasetZip = new ParameterString({ name: 'DatasetZipUri', defaultValue: 's3://my-bucket/raw/images.zip' });
const annotated = new ParameterString({ name: 'AnnotatedPrefix', defaultValue: 's3://my-bucket/annotated/' });
const modelName = new ParameterString({
  name: 'ModelName',
  defaultValue: 'resnet34',
  enumValues: ['resnet18', 'resnet26', 'resnet34'],
});
const batchSize = new ParameterInteger({ name: 'BatchSize', defaultValue: 64 });
const learningRate = new ParameterFloat({ name: 'LearningRate', defaultValue: 0.0018308341419607547 });
const accuracyGate = new ParameterFloat({ name: 'AccuracyGate', defaultValue: 0.735 });

const processor = new ScriptProcessor({
  session,
  role,
  imageUri: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311',
  command: ['python3'],
  instanceType: 'ml.m5.xlarge',
});

const preprocess = processor.step({
  name: 'Preprocess',
  code: 's3://my-bucket/code/preprocess.py',
  inputs: [
    { inputName: 'raw', source: datasetZip, destination: '/opt/ml/processing/input/raw' },
    { inputName: 'annotated', source: annotated, destination: '/opt/ml/processing/input/annotated' },
  ],
  outputs: [
    { outputName: 'train', source: '/opt/ml/processing/output/train' },
    { outputName: 'test', source: '/opt/ml/processing/output/test' },
  ],
});
// Typed: 'train' and 'test' are Preprocess's declared outputs ('tset' would not compile).
const split = (name: 'train' | 'test') => preprocess.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri;

// The Python SDK's PyTorch estimator: script mode, torchrun DDP on 2 instances, managed spot with checkpoints, a metric.
const estimator = new PyTorchEstimator({
  session,
  role,
  entryPoint: 'train.py',
  sourceDir: 's3://my-bucket/code/train/sourcedir.tar.gz',
  frameworkVersion: '2.3.0',
  pythonVersion: 'py311',
  instanceType: 'ml.g5.12xlarge',
  instanceCount: 2,
  distribution: { torch_distributed: { enabled: true } },
  hyperparameters: { 'model-name': modelName, 'batch-size': batchSize, 'learning-rate': learningRate },
  useSpotInstances: true,
  maxRun: 3 * 3600,
  maxWait: 4 * 3600,
  checkpointS3Uri: 's3://my-bucket/checkpoints/seed',
  metricDefinitions: [{ name: 'validation:accuracy', regex: 'val_acc=([0-9.]+)' }],
  outputPath: 's3://my-bucket/models',
});
const train = estimator.step({ name: 'Train', inputs: { train: split('train'), test: split('test') } });

const report = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
const evaluate = processor.step({
  name: 'Evaluate',
  code: 's3://my-bucket/code/evaluate.py',
  inputs: [
    {
      inputName: 'model',
      source: train.properties.ModelArtifacts.S3ModelArtifacts,
      destination: '/opt/ml/processing/model',
    },
    { inputName: 'test', source: split('test'), destination: '/opt/ml/processing/test' },
  ],
  outputs: [{ outputName: 'evaluation', source: '/opt/ml/processing/evaluation' }],
  propertyFiles: [report],
});
const accuracy = new JsonGet<number>({ step: evaluate, propertyFile: report, jsonPath: 'metrics.accuracy.value' });

// ModelStep-style: the step is named 'Register-RegisterModel', as the Python SDK names it.
const register = new Model({
  imageUri: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.3-cpu-py311',
  modelData: train.properties.ModelArtifacts.S3ModelArtifacts,
  role,
}).registerStep({
  name: 'Register',
  modelPackageGroupName: 'SeedImageClassifier',
  contentTypes: ['application/x-image', 'image/jpeg', 'image/png'],
  responseTypes: ['application/json'],
  modelMetrics: {
    modelStatistics: {
      contentType: 'application/json',
      s3Uri: new Join({
        on: '/',
        values: [evaluate.properties.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri, 'evaluation.json'],
      }),
    },
  },
});

export const pipeline = new Pipeline({
  name: session.pipelineName,
  parameters: [datasetZip, annotated, modelName, batchSize, learningRate, accuracyGate],
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

export const json: string = pipeline.definition(); // CreatePipeline's PipelineDefinition
