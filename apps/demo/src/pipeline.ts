import {
  ConditionStep,
  ExecutionVariables,
  FailStep,
  greaterThanOrEqualTo,
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
  type PipelineExpression,
} from '@sagemaker-mlops/pipeline-sdk';
import type { Profile } from './config.js';
import type { DemoNames } from './context.js';

/** Where the container code is in S3, as uploaded by `uploadMlCode` (code.ts). */
export interface CodeLocations {
  /** `s3://.../sourcedir.tar.gz` with train.py (and inference code) for the training job. */
  trainingSourceDir: string;
  /** Script-mode hyperparameters for it (sagemaker_program, sagemaker_submit_directory, ...). */
  trainingHyperParameters: Record<string, string>;
  /** `s3://.../` prefix holding preprocess.py, evaluate.py and their helpers, for the processing jobs. */
  processingCode: string;
}

export interface ImageUris {
  training: string;
  processing: string;
  inference: string;
}

/** Defaults of the pipeline's parameters: the tuning job's best parameters and its accuracy as the gate. */
export interface PipelineDefaults {
  modelName: string;
  batchSize: number;
  optimizer: string;
  learningRate: number;
  epochs: number;
  accuracyGate: number;
}

export const ACCURACY_JSON_PATH = 'multiclass_classification_metrics.accuracy.value';

/**
 * The seed's pipeline: Preprocess → Train → Evaluate → (accuracy >= gate ? RegisterModel (PendingManualApproval) : Fail).
 * Evaluate also writes the drift, explanation and robustness reports.
 */
export function buildDemoPipeline(options: {
  names: DemoNames;
  profile: Profile;
  code: CodeLocations;
  images: ImageUris;
  defaults: PipelineDefaults;
  /** The ContainerEntrypoint of a processing job running a script of the code input. */
  entrypoint?: (script: string) => string[];
}): Pipeline {
  const { names, profile, code, images, defaults } = options;
  const entrypoint = options.entrypoint ?? ((script: string) => ['python3', `/opt/ml/processing/input/code/${script}`]);

  const modelName = new ParameterString({
    name: 'ModelName',
    defaultValue: defaults.modelName,
    enumValues: ['resnet18', 'resnet26', 'resnet34'],
  });
  const batchSize = new ParameterInteger({ name: 'BatchSize', defaultValue: defaults.batchSize });
  const optimizer = new ParameterString({
    name: 'Optimizer',
    defaultValue: defaults.optimizer,
    enumValues: ['SGD', 'Adam', 'AdamW'],
  });
  const learningRate = new ParameterFloat({ name: 'LearningRate', defaultValue: defaults.learningRate });
  const epochs = new ParameterInteger({ name: 'Epochs', defaultValue: defaults.epochs });
  const lakePrefix = new ParameterString({
    name: 'LakePrefix',
    defaultValue: `s3://${names.bucket}/${names.lakePrefix}`,
  });
  const accuracyGate = new ParameterFloat({ name: 'AccuracyGate', defaultValue: defaults.accuracyGate });

  const runPrefix = (part: string) =>
    new Join({
      on: '/',
      values: [`s3://${names.bucket}/${names.pipelineName}`, ExecutionVariables.PIPELINE_EXECUTION_ID, part],
    });
  const processing = (instanceType: string) => ({
    ClusterConfig: { InstanceCount: 1, InstanceType: instanceType as never, VolumeSizeInGB: 30 },
  });
  const codeInput = {
    InputName: 'code' as const,
    AppManaged: false,
    S3Input: {
      S3Uri: code.processingCode,
      LocalPath: '/opt/ml/processing/input/code',
      S3DataType: 'S3Prefix' as const,
      S3InputMode: 'File' as const,
      S3DataDistributionType: 'FullyReplicated' as const,
    },
  };
  const s3Input = <N extends string>(name: N, uri: string | PipelineExpression<string>, localPath: string) => ({
    InputName: name,
    AppManaged: false,
    S3Input: {
      S3Uri: uri,
      LocalPath: localPath,
      S3DataType: 'S3Prefix' as const,
      S3InputMode: 'File' as const,
      S3DataDistributionType: 'FullyReplicated' as const,
    },
  });
  const s3Output = <N extends string>(name: N, localPath: string) => ({
    OutputName: name,
    AppManaged: false,
    S3Output: { S3Uri: runPrefix(name), LocalPath: localPath, S3UploadMode: 'EndOfJob' as const },
  });

  const preprocess = new ProcessingStep({
    name: 'Preprocess',
    description: 'Merge the raw zip with the annotated images, deduplicate, split train/validation/test',
    arguments: {
      RoleArn: names.roleArn,
      AppSpecification: {
        ImageUri: images.processing,
        ContainerEntrypoint: entrypoint('preprocess.py'),
        ContainerArguments: [
          '--raw',
          '/opt/ml/processing/input/raw',
          '--annotated-dir',
          '/opt/ml/processing/input/annotated',
          '--train-output',
          '/opt/ml/processing/train',
          '--validation-output',
          '/opt/ml/processing/validation',
          '--test-output',
          '/opt/ml/processing/test',
          '--report-output',
          '/opt/ml/processing/report',
          '--image-size',
          String(profile.imageSize),
        ],
      },
      ProcessingResources: processing(names.processingInstanceType),
      ProcessingInputs: [
        codeInput,
        s3Input('raw', new Join({ on: '/', values: [lakePrefix, 'raw'] }), '/opt/ml/processing/input/raw'),
        s3Input(
          'annotated',
          new Join({ on: '/', values: [lakePrefix, 'annotated'] }),
          '/opt/ml/processing/input/annotated',
        ),
      ],
      ProcessingOutputConfig: {
        Outputs: [
          s3Output('train', '/opt/ml/processing/train'),
          s3Output('validation', '/opt/ml/processing/validation'),
          s3Output('test', '/opt/ml/processing/test'),
          s3Output('report', '/opt/ml/processing/report'),
        ],
      },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    },
  });

  const train = new TrainingStep({
    name: 'Train',
    description: 'Train the timm ResNet with the given hyperparameters',
    arguments: {
      RoleArn: names.roleArn,
      AlgorithmSpecification: {
        TrainingImage: images.training,
        TrainingInputMode: 'File',
        MetricDefinitions: [
          { Name: 'train:loss', Regex: 'train_loss=([0-9.]+)' },
          { Name: 'validation:accuracy', Regex: 'val_accuracy=([0-9.]+)' },
          { Name: 'images_per_sec', Regex: 'images_per_sec=([0-9.]+)' },
        ],
      },
      HyperParameters: {
        ...code.trainingHyperParameters,
        ...profile.trainHyperParameters,
        model: modelName,
        optimizer,
        // Hyperparameters are strings: numbers go through Join, as the Python SDK's `.to_string()` does.
        lr: new Join({ on: '', values: [learningRate] }),
        'batch-size': new Join({ on: '', values: [batchSize] }),
        epochs: new Join({ on: '', values: [epochs] }),
      },
      InputDataConfig: [
        {
          ChannelName: 'train',
          DataSource: {
            S3DataSource: {
              S3DataType: 'S3Prefix',
              S3Uri: preprocess.properties.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri,
              S3DataDistributionType: 'FullyReplicated',
            },
          },
        },
        {
          ChannelName: 'validation',
          DataSource: {
            S3DataSource: {
              S3DataType: 'S3Prefix',
              S3Uri: preprocess.properties.ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri,
              S3DataDistributionType: 'FullyReplicated',
            },
          },
        },
      ],
      OutputDataConfig: { S3OutputPath: `s3://${names.bucket}/${names.pipelineName}/models` },
      ResourceConfig: { InstanceCount: 1, InstanceType: names.trainingInstanceType as never, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 3 * 3600 },
    },
  });

  const evaluation = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
  const evaluate = new ProcessingStep({
    name: 'Evaluate',
    description: 'Accuracy and per-class metrics, drift (Alibi Detect), explanation and robustness (Captum)',
    propertyFiles: [evaluation],
    arguments: {
      RoleArn: names.roleArn,
      AppSpecification: {
        ImageUri: images.processing,
        ContainerEntrypoint: entrypoint('evaluate.py'),
        ContainerArguments: [
          '--model-dir',
          '/opt/ml/processing/model',
          '--test-dir',
          '/opt/ml/processing/test',
          '--validation-dir',
          '/opt/ml/processing/validation',
          '--evaluation-output',
          '/opt/ml/processing/evaluation',
          '--drift-output',
          '/opt/ml/processing/drift',
          '--explanation-output',
          '/opt/ml/processing/explanation',
          '--robustness-output',
          '/opt/ml/processing/robustness',
          ...profile.evaluateArguments,
        ],
      },
      ProcessingResources: processing(names.processingInstanceType),
      ProcessingInputs: [
        codeInput,
        s3Input('model', train.properties.ModelArtifacts.S3ModelArtifacts, '/opt/ml/processing/model'),
        s3Input(
          'test',
          preprocess.properties.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri,
          '/opt/ml/processing/test',
        ),
        s3Input(
          'validation',
          preprocess.properties.ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri,
          '/opt/ml/processing/validation',
        ),
      ],
      ProcessingOutputConfig: {
        Outputs: [
          s3Output('evaluation', '/opt/ml/processing/evaluation'),
          s3Output('drift', '/opt/ml/processing/drift'),
          s3Output('explanation', '/opt/ml/processing/explanation'),
          s3Output('robustness', '/opt/ml/processing/robustness'),
        ],
      },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    },
  });

  const accuracy = new JsonGet<number>({ step: evaluate, propertyFile: evaluation, jsonPath: ACCURACY_JSON_PATH });

  const register = new RegisterModelStep({
    name: 'RegisterModel',
    description: 'Register the model version, waiting for manual approval',
    arguments: {
      ModelPackageGroupName: names.modelPackageGroupName,
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageDescription: 'Image classifier trained by the sagemaker-mlops demo pipeline',
      InferenceSpecification: {
        Containers: [
          {
            Image: images.inference,
            ModelDataUrl: train.properties.ModelArtifacts.S3ModelArtifacts,
            // train.py packs the handlers into model.tar.gz under code/, where the PyTorch container looks.
            Environment: { SAGEMAKER_PROGRAM: 'inference.py', SAGEMAKER_REGION: names.region },
          },
        ],
        SupportedContentTypes: ['image/png', 'image/jpeg', 'application/x-image', 'application/json'],
        SupportedResponseMIMETypes: ['application/json'],
        SupportedRealtimeInferenceInstanceTypes: [names.prodInstanceType as never],
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

  const fail = new FailStep({
    name: 'AccuracyBelowGate',
    errorMessage: new Join({ on: ' ', values: ['Model accuracy', accuracy, 'is below the gate', accuracyGate] }),
  });

  const gate = new ConditionStep({
    name: 'CheckAccuracy',
    conditions: [greaterThanOrEqualTo(accuracy, accuracyGate)],
    ifSteps: [register],
    elseSteps: [fail],
  });

  return new Pipeline({
    name: names.pipelineName,
    parameters: [modelName, batchSize, optimizer, learningRate, epochs, lakePrefix, accuracyGate],
    steps: [preprocess, train, evaluate, gate],
  });
}
