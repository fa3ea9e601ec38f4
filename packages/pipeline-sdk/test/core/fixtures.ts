import {
  ProcessingStep,
  type PropertyFile,
  TrainingStep,
  type ProcessingStepArguments,
  type TrainingStepArguments,
} from '../../src/index.js';

export const ROLE = 'arn:aws:iam::123456789012:role/SageMakerRole';

export function processingArgs<const Out extends string = never>(
  outputs: readonly Out[] = [],
): ProcessingStepArguments<Out, never> {
  return {
    ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 30 } },
    AppSpecification: { ImageUri: 'image' },
    RoleArn: ROLE,
    ...(outputs.length > 0
      ? {
          ProcessingOutputConfig: {
            Outputs: outputs.map((name) => ({
              OutputName: name,
              S3Output: {
                S3Uri: `s3://b/${name}`,
                LocalPath: `/opt/ml/processing/${name}`,
                S3UploadMode: 'EndOfJob' as const,
              },
            })),
          },
        }
      : {}),
  };
}

export function trainingArgs(extra: Partial<TrainingStepArguments> = {}): TrainingStepArguments {
  return {
    AlgorithmSpecification: { TrainingImage: 'image', TrainingInputMode: 'File' },
    RoleArn: ROLE,
    OutputDataConfig: { S3OutputPath: 's3://b/models' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    ...extra,
  };
}

export function processing<const Out extends string = never>(
  name: string,
  outputs: readonly Out[] = [],
  propertyFiles: PropertyFile[] = [],
): ProcessingStep<Out, never> {
  return new ProcessingStep({ name, arguments: processingArgs(outputs), propertyFiles });
}

export function training(name: string, extra: Partial<TrainingStepArguments> = {}): TrainingStep {
  return new TrainingStep({ name, arguments: trainingArgs(extra) });
}
