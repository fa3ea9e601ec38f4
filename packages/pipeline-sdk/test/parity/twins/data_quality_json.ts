import {
  ParameterString,
  Pipeline,
  PipelineSession,
  QualityCheckStep,
  ScriptProcessor,
  dataQualityCheckJob,
} from '../../../src/index.js';
import { BUCKET, IMAGE, REGION, ROLE } from './common.js';

export function build(): Pipeline {
  const session = new PipelineSession({ pipelineName: 'DataQualityJson', defaultBucket: BUCKET, region: REGION });
  const instance = new ParameterString({ name: 'CheckInstance', defaultValue: 'ml.m5.large' });
  const processor = new ScriptProcessor({
    session,
    imageUri: IMAGE,
    command: ['python3'],
    role: ROLE,
    instanceType: 'ml.m5.large',
  });
  const prep = processor.step({
    name: 'Prep',
    code: `s3://${BUCKET}/code/prep.py`,
    outputs: [{ outputName: 'data', source: '/opt/ml/processing/data' }],
  });
  const check = new QualityCheckStep({
    name: 'Quality',
    checkType: 'DATA_QUALITY',
    arguments: dataQualityCheckJob({
      job: { region: REGION, role: ROLE, instanceType: instance },
      baselineDataset: prep.properties.ProcessingOutputConfig.Outputs['data'].S3Output.S3Uri,
      datasetFormat: { json: { lines: true } },
      outputS3Uri: `s3://${BUCKET}/quality`,
    }),
    skipCheck: true,
    registerNewBaseline: true,
    cacheConfig: { enabled: true, expireAfter: 'P1D' },
  });
  return new Pipeline({ name: 'DataQualityJson', parameters: [instance], steps: [prep, check] });
}
