import {
  ClarifyCheckStep,
  Model,
  ParameterBoolean,
  ParameterString,
  Pipeline,
  QualityCheckStep,
  clarifyCheckJob,
  dataQualityCheckJob,
  type CheckJobConfig,
} from '../../../src/index.js';
import { BUCKET, IMAGE, REGION, ROLE } from './common.js';

export function build(): Pipeline {
  const skip = new ParameterBoolean({ name: 'SkipCheck', defaultValue: false });
  const supplied = new ParameterString({
    name: 'SuppliedStatistics',
    defaultValue: `s3://${BUCKET}/baseline/statistics.json`,
  });
  const job: CheckJobConfig = { region: REGION, role: ROLE, instanceType: 'ml.m5.xlarge', volumeSizeInGB: 60 };
  const dataQuality = new QualityCheckStep({
    name: 'DataQuality',
    checkType: 'DATA_QUALITY',
    arguments: dataQualityCheckJob({
      job,
      baselineDataset: `s3://${BUCKET}/data/train.csv`,
      datasetFormat: { csv: { header: false } },
      outputS3Uri: `s3://${BUCKET}/checks/data-quality`,
    }),
    skipCheck: skip,
    registerNewBaseline: false,
    failOnViolation: true,
    suppliedBaselineStatistics: supplied,
    suppliedBaselineConstraints: `s3://${BUCKET}/baseline/constraints.json`,
    modelPackageGroupName: 'parity-models',
  });
  const bias = new ClarifyCheckStep({
    name: 'DataBias',
    checkType: 'DATA_BIAS',
    arguments: clarifyCheckJob({
      job,
      analysisConfigUri: `s3://${BUCKET}/checks/bias/analysis_config.json`,
      dataset: `s3://${BUCKET}/data/train.csv`,
      outputS3Uri: `s3://${BUCKET}/checks/bias`,
    }),
    skipCheck: false,
    registerNewBaseline: true,
    modelPackageGroupName: 'parity-models',
  });
  const model = new Model({ imageUri: IMAGE, modelData: `s3://${BUCKET}/model.tar.gz`, role: ROLE });
  const register = model.registerStep({
    name: 'Register',
    contentTypes: ['text/csv'],
    responseTypes: ['text/csv'],
    modelPackageGroupName: 'parity-models',
    driftCheckBaselines: {
      modelDataStatistics: {
        s3Uri: dataQuality.properties.BaselineUsedForDriftCheckStatistics,
        contentType: 'application/json',
      },
      modelDataConstraints: {
        s3Uri: dataQuality.properties.BaselineUsedForDriftCheckConstraints,
        contentType: 'application/json',
      },
      biasPreTrainingConstraints: {
        s3Uri: bias.properties.BaselineUsedForDriftCheckConstraints,
        contentType: 'application/json',
      },
      biasConfigFile: { s3Uri: bias.properties.CalculatedBaselineConstraints, contentType: 'application/json' },
    },
  });
  return new Pipeline({
    name: 'QualityAndClarifyChecks',
    parameters: [skip, supplied],
    steps: [dataQuality, bias, register],
  });
}
