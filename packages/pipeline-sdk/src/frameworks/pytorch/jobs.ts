import type {
  AlgorithmSpecification,
  CreateTrainingJobRequest,
  ResourceConfig,
  TrainingInstanceType,
} from '@aws-sdk/client-sagemaker';
import type { UploadedSourceDir } from '../../assets/index.js';
import { scriptModeModelEnvironment } from '../../assets/index.js';
import { FrameworkConfigError } from '../errors.js';
import { encodeHyperParameters, type HyperParameterValue } from '../hyperparameters.js';
import {
  managedSpotTraining,
  metricDefinitions,
  type ManagedSpotTrainingOptions,
  type MetricDefinitionInput,
  MAX_TRAINING_RUNTIME_SECONDS,
} from '../training.js';
import { pytorchDistributionHyperParameters, type PyTorchDistribution } from './distribution.js';
import { compareVersions, pytorchImageUri, resolvePyTorchVersion } from './image-uris.js';

export interface PyTorchTrainingJobOptions {
  readonly region: string;
  readonly frameworkVersion: string;
  readonly pythonVersion?: string;
  readonly instanceType: string;
  /** Default 1. */
  readonly instanceCount?: number;
  /** Default 30, the Python SDK's default. */
  readonly volumeSizeInGB?: number;
  /** The uploaded training code (uploadSourceDir); gives the script-mode hyperparameters. */
  readonly code: Pick<UploadedSourceDir, 'trainingHyperParameters' | 'entryPoint'>;
  /** Your script's hyperparameters, JSON-encoded for the container as the Python SDK does. */
  readonly hyperParameters?: Readonly<Record<string, HyperParameterValue>>;
  readonly distribution?: PyTorchDistribution;
  /** Managed spot training; its stopping condition replaces `maxRuntimeInSeconds`. */
  readonly spot?: ManagedSpotTrainingOptions;
  /** Without spot; default 86400 (1 day), SageMaker's default. */
  readonly maxRuntimeInSeconds?: number;
  readonly metricDefinitions?: readonly MetricDefinitionInput[];
  /** A custom image instead of the AWS PyTorch container. */
  readonly imageUri?: string;
  /** Python logging level in the container; default 20 (INFO). */
  readonly containerLogLevel?: number;
}

/** The `CreateTrainingJobRequest` fields a PyTorch script-mode job needs; spread into a TrainingStep's arguments. */
export type PyTorchTrainingJobFragment = Required<
  Pick<CreateTrainingJobRequest, 'AlgorithmSpecification' | 'HyperParameters' | 'ResourceConfig' | 'StoppingCondition'>
> &
  Pick<CreateTrainingJobRequest, 'EnableManagedSpotTraining' | 'CheckpointConfig'>;

/**
 * Everything of a PyTorch training job except its role, data channels and output path: image, script-mode
 * and distribution hyperparameters, resources, stopping condition (and spot), metric definitions. Mirrors
 * what the Python SDK's `PyTorch` estimator puts in CreateTrainingJob.
 *
 * @example
 * new TrainingStep({ name: 'Train', arguments: {
 *   ...pytorchTrainingJob({ region, frameworkVersion: '2.5', pythonVersion: 'py311', instanceType: 'ml.g5.xlarge', code }),
 *   RoleArn: role, InputDataConfig: [...], OutputDataConfig: { S3OutputPath: 's3://bucket/models' } } })
 */
export function pytorchTrainingJob(options: PyTorchTrainingJobOptions): PyTorchTrainingJobFragment {
  const instanceCount = options.instanceCount ?? 1;
  if (!Number.isInteger(instanceCount) || instanceCount < 1) {
    throw new FrameworkConfigError(`ResourceConfig.InstanceCount: expected a whole number >= 1, got ${instanceCount}`);
  }
  const volumeSizeInGB = options.volumeSizeInGB ?? 30;
  if (!Number.isInteger(volumeSizeInGB) || volumeSizeInGB < 1) {
    throw new FrameworkConfigError(
      `ResourceConfig.VolumeSizeInGB: expected a whole number >= 1, got ${volumeSizeInGB}`,
    );
  }
  const image =
    options.imageUri ??
    pytorchImageUri({
      region: options.region,
      frameworkVersion: options.frameworkVersion,
      ...(options.pythonVersion === undefined ? {} : { pythonVersion: options.pythonVersion }),
      scope: 'training',
      instanceType: options.instanceType,
      smdistributed:
        options.distribution !== undefined &&
        ('smdistributed' in options.distribution || 'pytorchddp' in options.distribution),
    });
  const pythonVersion = options.pythonVersion ?? /:[^-]+-[a-z0-9]+-(py\d+)/.exec(image)?.[1] ?? 'py3';

  const hyperParameters: Record<string, string> = {
    ...encodeHyperParameters(options.hyperParameters ?? {}),
    ...options.code.trainingHyperParameters({
      region: options.region,
      ...(options.containerLogLevel === undefined ? {} : { containerLogLevel: options.containerLogLevel }),
    }),
  };
  if (options.distribution !== undefined) {
    Object.assign(
      hyperParameters,
      pytorchDistributionHyperParameters({
        distribution: options.distribution,
        instanceType: options.instanceType,
        frameworkVersion: options.frameworkVersion,
        pythonVersion,
        entryPoint: options.code.entryPoint,
        ...(options.imageUri === undefined ? {} : { imageUri: options.imageUri }),
      }),
    );
  }

  const algorithm: AlgorithmSpecification = { TrainingImage: image, TrainingInputMode: 'File' };
  if (options.metricDefinitions !== undefined && options.metricDefinitions.length > 0) {
    algorithm.MetricDefinitions = metricDefinitions(options.metricDefinitions);
  }
  // The Python SDK turns SageMaker metrics time series on from PyTorch 1.3.
  if (
    options.imageUri === undefined &&
    compareVersions(resolvePyTorchVersion(options.frameworkVersion, 'training'), '1.3') >= 0
  ) {
    algorithm.EnableSageMakerMetricsTimeSeries = true;
  }
  const resources: ResourceConfig = {
    InstanceType: options.instanceType as TrainingInstanceType,
    InstanceCount: instanceCount,
    VolumeSizeInGB: volumeSizeInGB,
  };

  if (options.spot !== undefined) {
    return {
      AlgorithmSpecification: algorithm,
      HyperParameters: hyperParameters,
      ResourceConfig: resources,
      ...managedSpotTraining(options.spot),
    };
  }
  const maxRuntime = options.maxRuntimeInSeconds ?? 86_400;
  if (!Number.isInteger(maxRuntime) || maxRuntime < 1 || maxRuntime > MAX_TRAINING_RUNTIME_SECONDS) {
    throw new FrameworkConfigError(
      `StoppingCondition.MaxRuntimeInSeconds: expected a whole number from 1 to ${MAX_TRAINING_RUNTIME_SECONDS}, got ${maxRuntime}`,
    );
  }
  return {
    AlgorithmSpecification: algorithm,
    HyperParameters: hyperParameters,
    ResourceConfig: resources,
    StoppingCondition: { MaxRuntimeInSeconds: maxRuntime },
  };
}

export interface PyTorchModelContainerOptions<M> {
  readonly region: string;
  readonly frameworkVersion: string;
  readonly pythonVersion?: string;
  /** Instance type of the endpoint or transform job; leave out for serverless and give `processor: 'cpu'`. */
  readonly instanceType?: string;
  readonly processor?: 'cpu' | 'gpu';
  /** model.tar.gz: a URI or a pipeline expression (e.g. the training step's `ModelArtifacts.S3ModelArtifacts`). */
  readonly modelDataUrl: M;
  /** Handler script (model_fn/input_fn/predict_fn/output_fn), relative to `code/` in model.tar.gz. */
  readonly entryPoint: string;
  /** Where the container finds the code; default `/opt/ml/model/code` (inside model.tar.gz). */
  readonly submitDirectory?: string;
  readonly environment?: Readonly<Record<string, string>>;
  readonly containerLogLevel?: number;
  readonly imageUri?: string;
}

/**
 * The `ContainerDefinition` fields of a PyTorch inference model (CreateModel `PrimaryContainer`, or a model
 * package's inference container): image, model data and the script-mode environment.
 */
export interface PyTorchModelContainer<M> {
  Image: string;
  ModelDataUrl: M;
  Environment: Record<string, string>;
}

export function pytorchModelContainer<M>(options: PyTorchModelContainerOptions<M>): PyTorchModelContainer<M> {
  const image =
    options.imageUri ??
    pytorchImageUri({
      region: options.region,
      frameworkVersion: options.frameworkVersion,
      ...(options.pythonVersion === undefined ? {} : { pythonVersion: options.pythonVersion }),
      scope: 'inference',
      ...(options.instanceType === undefined ? {} : { instanceType: options.instanceType }),
      ...(options.processor === undefined ? {} : { processor: options.processor }),
    });
  return {
    Image: image,
    ModelDataUrl: options.modelDataUrl,
    Environment: {
      ...options.environment,
      ...scriptModeModelEnvironment({
        region: options.region,
        entryPoint: options.entryPoint,
        ...(options.submitDirectory === undefined ? {} : { submitDirectory: options.submitDirectory }),
        ...(options.containerLogLevel === undefined ? {} : { containerLogLevel: options.containerLogLevel }),
      }),
    },
  };
}
