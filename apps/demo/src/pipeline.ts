import {
  ConditionStep,
  ExecutionVariables,
  FailStep,
  greaterThanOrEqualTo,
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
} from '@sagemaker-mlops/pipeline-sdk';
import type { ProcessingInstanceType } from '@aws-sdk/client-sagemaker';
import type { Profile } from './config.js';
import type { DemoNames } from './context.js';

/** Where the container code is in S3, as uploaded by `uploadMlCode` (code.ts). */
export interface CodeLocations {
  /** `s3://.../sourcedir.tar.gz` with train.py (and inference code) for the training job. */
  trainingSourceDir: string;
  /** Script-mode hyperparameters for it (sagemaker_program, sagemaker_submit_directory, ...), used by tuning. */
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

/** Container paths of the processing jobs' inputs and outputs. */
const io = (name: string) => `/opt/ml/processing/${name}`;

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
  const session = new PipelineSession({
    pipelineName: names.pipelineName,
    defaultBucket: names.bucket,
    region: names.region,
  });

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

  // Reports land under <pipeline>/<execution id>/<name>/, where `downloadReports` (all.ts) reads them.
  const output = <const N extends string>(name: N) => ({
    outputName: name,
    source: io(name),
    destination: new Join({
      on: '/',
      values: [`s3://${names.bucket}/${names.pipelineName}`, ExecutionVariables.PIPELINE_EXECUTION_ID, name],
    }),
  });
  const processor = new ScriptProcessor({
    session,
    imageUri: images.processing,
    command: (path) =>
      (options.entrypoint ?? ((script) => ['python3', io(`input/code/${script}`)]))(
        path.slice(path.lastIndexOf('/') + 1),
      ),
    role: names.roleArn,
    instanceType: names.processingInstanceType as ProcessingInstanceType,
    maxRuntimeInSeconds: 3600,
  });
  const script = (entryPoint: string) => ({ s3Uri: code.processingCode, entryPoint });

  const preprocess = processor.step({
    name: 'Preprocess',
    description: 'Merge the raw zip with the annotated images, deduplicate, split train/validation/test',
    code: script('preprocess.py'),
    inputs: [
      { inputName: 'raw', source: new Join({ on: '/', values: [lakePrefix, 'raw'] }), destination: io('input/raw') },
      {
        inputName: 'annotated',
        source: new Join({ on: '/', values: [lakePrefix, 'annotated'] }),
        destination: io('input/annotated'),
      },
    ],
    outputs: [output('train'), output('validation'), output('test'), output('report')],
    arguments: [
      ...['--raw', io('input/raw'), '--annotated-dir', io('input/annotated'), '--train-output', io('train')],
      ...['--validation-output', io('validation'), '--test-output', io('test'), '--report-output', io('report')],
      ...['--image-size', String(profile.imageSize)],
    ],
  });
  const split = (name: 'train' | 'validation' | 'test') =>
    preprocess.properties.ProcessingOutputConfig.Outputs[name].S3Output.S3Uri;

  const estimator = new PyTorchEstimator({
    session,
    role: names.roleArn,
    imageUri: images.training,
    frameworkVersion: '2.5',
    pythonVersion: 'py311',
    sourceDir: code.trainingSourceDir,
    entryPoint: 'train.py',
    instanceType: names.trainingInstanceType,
    maxRun: 3 * 3600,
    outputPath: `s3://${names.bucket}/${names.pipelineName}/models`,
    // Parameters are sent as strings (`.to_string()` for numbers), as the Python SDK does.
    hyperparameters: {
      ...profile.trainHyperParameters,
      model: modelName,
      optimizer,
      lr: learningRate,
      'batch-size': batchSize,
      epochs,
    },
    metricDefinitions: [
      { name: 'train:loss', regex: 'train_loss=([0-9.]+)' },
      { name: 'validation:accuracy', regex: 'val_accuracy=([0-9.]+)' },
      { name: 'images_per_sec', regex: 'images_per_sec=([0-9.]+)' },
    ],
    debuggerHookConfig: false,
    disableProfiler: true,
  });
  const train = estimator.step({
    name: 'Train',
    description: 'Train the timm ResNet with the given hyperparameters',
    inputs: { train: split('train'), validation: split('validation') },
  });
  const modelData = train.properties.ModelArtifacts.S3ModelArtifacts;

  const evaluation = new PropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
  const evaluate = processor.step({
    name: 'Evaluate',
    description: 'Accuracy and per-class metrics, drift (Alibi Detect), explanation and robustness (Captum)',
    propertyFiles: [evaluation],
    code: script('evaluate.py'),
    inputs: [
      { inputName: 'model', source: modelData, destination: io('model') },
      { inputName: 'test', source: split('test'), destination: io('test') },
      { inputName: 'validation', source: split('validation'), destination: io('validation') },
    ],
    outputs: [output('evaluation'), output('drift'), output('explanation'), output('robustness')],
    arguments: [
      ...['--model-dir', io('model'), '--test-dir', io('test'), '--validation-dir', io('validation')],
      ...['--evaluation-output', io('evaluation'), '--drift-output', io('drift')],
      ...['--explanation-output', io('explanation'), '--robustness-output', io('robustness')],
      ...profile.evaluateArguments,
    ],
  });
  const accuracy = new JsonGet<number>({ step: evaluate, propertyFile: evaluation, jsonPath: ACCURACY_JSON_PATH });

  // train.py packs the handlers into model.tar.gz under code/, where the PyTorch container looks.
  const model = new Model({
    imageUri: images.inference,
    modelData,
    role: names.roleArn,
    env: { SAGEMAKER_PROGRAM: 'inference.py', SAGEMAKER_REGION: names.region },
  });
  const register = model.registerStep({
    name: 'Register',
    description: 'Register the model version, waiting for manual approval',
    modelPackageGroupName: names.modelPackageGroupName,
    approvalStatus: 'PendingManualApproval',
    modelPackageDescription: 'Image classifier trained by the sagemaker-mlops demo pipeline',
    contentTypes: ['image/png', 'image/jpeg', 'application/x-image', 'application/json'],
    responseTypes: ['application/json'],
    inferenceInstances: [names.prodInstanceType],
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
