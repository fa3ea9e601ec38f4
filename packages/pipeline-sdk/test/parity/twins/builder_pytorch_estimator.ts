import {
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
  PipelineSession,
  PyTorchEstimator,
} from '../../../src/index.js';
import { BUCKET, REGION, ROLE } from './common.js';

export function build(): Pipeline {
  const session = new PipelineSession({
    pipelineName: 'BuilderPyTorchEstimator',
    defaultBucket: BUCKET,
    region: REGION,
  });
  const epochs = new ParameterInteger({ name: 'Epochs', defaultValue: 5 });
  const lr = new ParameterFloat({ name: 'LearningRate', defaultValue: 0.001 });
  const arch = new ParameterString({ name: 'Arch', defaultValue: 'resnet18' });
  const estimator = new PyTorchEstimator({
    session,
    entryPoint: 'train.py',
    sourceDir: `s3://${BUCKET}/code/sourcedir.tar.gz`,
    frameworkVersion: '2.3.0',
    pythonVersion: 'py311',
    role: ROLE,
    instanceType: 'ml.g5.12xlarge',
    instanceCount: 2,
    volumeSize: 100,
    distribution: { torch_distributed: { enabled: true } },
    hyperparameters: { epochs, lr, arch, 'batch-size': 64, augment: true },
    useSpotInstances: true,
    maxRun: 7200,
    maxWait: 10800,
    checkpointS3Uri: `s3://${BUCKET}/checkpoints`,
    checkpointLocalPath: '/opt/ml/checkpoints',
    metricDefinitions: [
      { name: 'validation:accuracy', regex: 'val_acc=([0-9.]+)' },
      { name: 'train:loss', regex: 'loss=([0-9.]+)' },
    ],
    enableNetworkIsolation: true,
    environment: { NCCL_DEBUG: 'WARN' },
    outputPath: `s3://${BUCKET}/models`,
  });
  const train = estimator.step({
    name: 'Train',
    inputs: {
      train: `s3://${BUCKET}/data/train`,
      validation: { s3Data: `s3://${BUCKET}/data/validation`, contentType: 'application/x-image' },
    },
  });
  // Typed lookups by the names the estimator declares.
  void train.properties.FinalMetricDataList['validation:accuracy'].Value;
  void train.properties.InputDataConfig['validation'].ChannelName;
  return new Pipeline({ name: 'BuilderPyTorchEstimator', parameters: [epochs, lr, arch], steps: [train] });
}
