import { Model, Pipeline, QualityCheckStep, modelQualityCheckJob } from '../../../src/index.js';
import { BUCKET, IMAGE, REGION, ROLE } from './common.js';

export function build(): Pipeline {
  const check = new QualityCheckStep({
    name: 'ModelQuality',
    checkType: 'MODEL_QUALITY',
    arguments: modelQualityCheckJob({
      job: { region: REGION, role: ROLE, instanceType: 'ml.m5.xlarge' },
      baselineDataset: `s3://${BUCKET}/predictions/`,
      datasetFormat: { csv: { header: true } },
      outputS3Uri: `s3://${BUCKET}/checks/model-quality`,
      problemType: 'BinaryClassification',
      inferenceAttribute: 'prediction',
      probabilityAttribute: 'probability',
      groundTruthAttribute: 'label',
      probabilityThresholdAttribute: 0.5,
    }),
    modelPackageGroupName: 'parity-models',
  });
  const model = new Model({ imageUri: IMAGE, modelData: `s3://${BUCKET}/model.tar.gz`, role: ROLE });
  const register = model.registerStep({
    name: 'Register',
    contentTypes: ['text/csv'],
    responseTypes: ['text/csv'],
    modelPackageGroupName: 'parity-models',
    modelMetrics: {
      modelStatistics: { s3Uri: check.properties.CalculatedBaselineStatistics, contentType: 'application/json' },
      modelConstraints: { s3Uri: check.properties.CalculatedBaselineConstraints, contentType: 'application/json' },
    },
  });
  return new Pipeline({ name: 'ModelQualityCheck', steps: [check, register] });
}
