import { ModelStep, ParameterString, Pipeline, TrainingStep, TransformStep } from '../../../src/index.js';
import { BUCKET, IMAGE, ROLE, channel, debuggerDefaults } from './common.js';

export function build(): Pipeline {
  const batchInput = new ParameterString({ name: 'BatchInput', defaultValue: `s3://${BUCKET}/batch/input` });
  const outputPath = `s3://${BUCKET}/models`;
  const train = new TrainingStep({
    name: 'Train',
    arguments: {
      AlgorithmSpecification: { TrainingInputMode: 'File', TrainingImage: IMAGE },
      OutputDataConfig: { S3OutputPath: outputPath },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      ResourceConfig: { VolumeSizeInGB: 50, InstanceCount: 1, InstanceType: 'ml.m5.xlarge' },
      RoleArn: ROLE,
      InputDataConfig: [
        channel('train', `s3://${BUCKET}/data/train`, {
          ContentType: 'application/x-image',
          distribution: 'ShardedByS3Key',
        }),
      ],
      Environment: { MODE: 'fast' },
      ...debuggerDefaults(outputPath),
    },
  });
  const model = new ModelStep({
    name: 'CreateModel-CreateModel',
    arguments: {
      ExecutionRoleArn: ROLE,
      PrimaryContainer: {
        Image: IMAGE,
        Environment: { LOG: 'info' },
        ModelDataUrl: train.properties.ModelArtifacts.S3ModelArtifacts,
      },
    },
  });
  const transform = new TransformStep({
    name: 'Transform',
    arguments: {
      ModelName: model.properties.ModelName,
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: batchInput } },
        ContentType: 'application/x-image',
        SplitType: 'None',
      },
      TransformOutput: { S3OutputPath: `s3://${BUCKET}/batch/output`, Accept: 'application/json' },
      TransformResources: { InstanceCount: 1, InstanceType: 'ml.m5.large' },
      BatchStrategy: 'MultiRecord',
      MaxPayloadInMB: 6,
    },
  });
  return new Pipeline({ name: 'TrainModelTransform', parameters: [batchInput], steps: [train, model, transform] });
}
