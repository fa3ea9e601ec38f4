import { expectTypeOf, test } from 'vitest';
import { ModelStep, TrainingStep } from '../../../src/core/index.js';
import { pytorchModelContainer, pytorchTrainingJob } from '../../../src/frameworks/pytorch/index.js';
import type { UploadedSourceDir } from '../../../src/assets/index.js';

declare const code: UploadedSourceDir;

test('the PyTorch fragments plug into TrainingStep and ModelStep arguments', () => {
  const train = new TrainingStep({
    name: 'Train',
    arguments: {
      ...pytorchTrainingJob({
        region: 'us-east-1',
        frameworkVersion: '2.5',
        pythonVersion: 'py311',
        instanceType: 'ml.g5.xlarge',
        code,
      }),
      RoleArn: 'arn:aws:iam::123456789012:role/r',
      OutputDataConfig: { S3OutputPath: 's3://b/models' },
    },
  });
  const container = pytorchModelContainer({
    region: 'us-east-1',
    frameworkVersion: '2.5',
    pythonVersion: 'py311',
    processor: 'cpu',
    modelDataUrl: train.properties.ModelArtifacts.S3ModelArtifacts,
    entryPoint: 'inference.py',
  });
  expectTypeOf(container.ModelDataUrl).toEqualTypeOf(train.properties.ModelArtifacts.S3ModelArtifacts);
  new ModelStep({
    name: 'Model',
    arguments: { PrimaryContainer: container, ExecutionRoleArn: 'arn:aws:iam::123456789012:role/r' },
  });
});
