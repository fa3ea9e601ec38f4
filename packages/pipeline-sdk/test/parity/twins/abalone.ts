// The MLOps template's abalone pipeline (see ../pipelines/abalone.py).
import {
  ConditionStep,
  Join,
  JsonGet,
  ParameterInteger,
  ParameterString,
  Pipeline,
  ProcessingStep,
  PropertyFile,
  RegisterModelStep,
  TrainingStep,
  lessThanOrEqualTo,
} from '../../../src/index.js';
import { BUCKET, REGION, ROLE, channel, debuggerDefaults, processingInput, scriptStepArgs } from './common.js';

export function build(): Pipeline {
  const pipelineName = 'AbalonePipeline';
  const processingInstanceCount = new ParameterInteger({ name: 'ProcessingInstanceCount', defaultValue: 1 });
  const processingInstanceType = new ParameterString({ name: 'ProcessingInstanceType', defaultValue: 'ml.m5.xlarge' });
  const trainingInstanceType = new ParameterString({ name: 'TrainingInstanceType', defaultValue: 'ml.m5.xlarge' });
  const modelApprovalStatus = new ParameterString({
    name: 'ModelApprovalStatus',
    defaultValue: 'PendingManualApproval',
  });
  const inputData = new ParameterString({
    name: 'InputDataUrl',
    defaultValue: `s3://sagemaker-servicecatalog-seedcode-${REGION}/dataset/abalone-dataset.csv`,
  });

  const sklearnImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:0.23-1-cpu-py3';
  const xgboostImage = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.0-1-cpu-py3';

  const process = new ProcessingStep({
    name: 'PreprocessAbaloneData',
    arguments: scriptStepArgs({
      pipelineName,
      stepName: 'PreprocessAbaloneData',
      image: sklearnImage,
      code: 'abalone/preprocess.py',
      instanceType: processingInstanceType,
      instanceCount: processingInstanceCount,
      outputs: ['train', 'validation', 'test'],
      arguments: ['--input-data', inputData],
    }),
  });

  const modelPath = `s3://${BUCKET}/Abalone/AbaloneTrain`;
  const train = new TrainingStep({
    name: 'TrainAbaloneModel',
    arguments: {
      AlgorithmSpecification: { TrainingInputMode: 'File', TrainingImage: xgboostImage },
      OutputDataConfig: { S3OutputPath: modelPath },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      ResourceConfig: { VolumeSizeInGB: 30, InstanceCount: 1, InstanceType: trainingInstanceType },
      RoleArn: ROLE,
      InputDataConfig: [
        channel('train', process.properties.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri, {
          ContentType: 'text/csv',
        }),
        channel('validation', process.properties.ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri, {
          ContentType: 'text/csv',
        }),
      ],
      HyperParameters: {
        objective: 'reg:linear',
        num_round: '50',
        max_depth: '5',
        eta: '0.2',
        gamma: '4',
        min_child_weight: '6',
        subsample: '0.7',
        silent: '0',
      },
      ...debuggerDefaults(modelPath),
    },
  });

  const evaluationReport = new PropertyFile({
    name: 'AbaloneEvaluationReport',
    outputName: 'evaluation',
    path: 'evaluation.json',
  });
  const evaluate = new ProcessingStep({
    name: 'EvaluateAbaloneModel',
    arguments: scriptStepArgs({
      pipelineName,
      stepName: 'EvaluateAbaloneModel',
      image: xgboostImage,
      code: 'abalone/evaluate.py',
      instanceType: processingInstanceType,
      inputs: [
        processingInput('input-1', train.properties.ModelArtifacts.S3ModelArtifacts, '/opt/ml/processing/model'),
        processingInput(
          'input-2',
          process.properties.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri,
          '/opt/ml/processing/test',
        ),
      ],
      outputs: ['evaluation'],
    }),
    propertyFiles: [evaluationReport],
  });

  const register = new RegisterModelStep({
    name: 'RegisterAbaloneModel-RegisterModel',
    arguments: {
      ModelPackageGroupName: 'AbalonePackageGroup',
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
        Bias: {},
        Explainability: {},
      },
      InferenceSpecification: {
        Containers: [{ Image: xgboostImage, ModelDataUrl: train.properties.ModelArtifacts.S3ModelArtifacts }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
        SupportedRealtimeInferenceInstanceTypes: ['ml.t2.medium', 'ml.m5.large'],
        SupportedTransformInstanceTypes: ['ml.m5.large'],
      },
      ModelApprovalStatus: modelApprovalStatus,
      // The Python SDK's default: run model validation (skip 'None').
      SkipModelValidation: 'None',
    },
  });

  const check = new ConditionStep({
    name: 'CheckMSEAbaloneEvaluation',
    conditions: [
      lessThanOrEqualTo(
        new JsonGet<number>({
          step: evaluate,
          propertyFile: evaluationReport,
          jsonPath: 'regression_metrics.mse.value',
        }),
        6.0,
      ),
    ],
    ifSteps: [register],
    elseSteps: [],
  });

  return new Pipeline({
    name: pipelineName,
    parameters: [processingInstanceType, processingInstanceCount, trainingInstanceType, modelApprovalStatus, inputData],
    steps: [process, train, evaluate, check],
  });
}
