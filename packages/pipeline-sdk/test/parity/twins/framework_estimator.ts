import {
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  Pipeline,
  ProcessingStep,
  TrainingStep,
} from '../../../src/index.js';
import { BUCKET, ROLE, channel, debuggerDefaults, processingInput, processingOutput } from './common.js';

export function build(): Pipeline {
  const epochs = new ParameterInteger({ name: 'Epochs', defaultValue: 10 });
  const lr = new ParameterFloat({ name: 'LearningRate', defaultValue: 0.01 });
  const instanceType = new ParameterString({ name: 'PrepareInstanceType', defaultValue: 'ml.m5.xlarge' });
  const prepare = new ProcessingStep({
    name: 'Prepare',
    arguments: {
      ProcessingResources: { ClusterConfig: { InstanceType: instanceType, InstanceCount: 2, VolumeSizeInGB: 100 } },
      AppSpecification: {
        ImageUri: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311',
        ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/prepare.py'],
      },
      RoleArn: ROLE,
      ProcessingInputs: [
        processingInput('raw', `s3://${BUCKET}/raw/`, '/opt/ml/processing/raw', 'ShardedByS3Key'),
        processingInput('code', `s3://${BUCKET}/code/prepare.py`, '/opt/ml/processing/input/code'),
      ],
      ProcessingOutputConfig: {
        Outputs: [processingOutput('data', '/opt/ml/processing/data', `s3://${BUCKET}/prepared`, 'Continuous')],
      },
      StoppingCondition: { MaxRuntimeInSeconds: 7200 },
    },
  });
  const train = new TrainingStep({
    name: 'Train',
    arguments: {
      AlgorithmSpecification: {
        TrainingInputMode: 'File',
        TrainingImage: '763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3.0-gpu-py311',
        EnableSageMakerMetricsTimeSeries: true,
      },
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models` },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      ResourceConfig: { VolumeSizeInGB: 30, InstanceCount: 2, InstanceType: 'ml.g5.12xlarge' },
      RoleArn: ROLE,
      InputDataConfig: [channel('train', prepare.properties.ProcessingOutputConfig.Outputs['data'].S3Output.S3Uri)],
      HyperParameters: {
        epochs: epochs.asString(),
        lr: lr.asString(),
        // Framework estimators JSON-encode every hyperparameter value.
        name: JSON.stringify('fmnist'),
        sagemaker_submit_directory: JSON.stringify(`s3://${BUCKET}/code/sourcedir.tar.gz`),
        sagemaker_program: JSON.stringify('train.py'),
        sagemaker_container_log_level: '20',
        sagemaker_region: JSON.stringify('us-east-1'),
        sagemaker_torch_distributed_enabled: 'true',
        sagemaker_instance_type: JSON.stringify('ml.g5.12xlarge'),
      },
      ...debuggerDefaults(`s3://${BUCKET}/models`, true),
    },
  });
  return new Pipeline({ name: 'FrameworkEstimator', parameters: [epochs, lr, instanceType], steps: [prepare, train] });
}
