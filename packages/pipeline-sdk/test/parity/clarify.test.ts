// Parity of the generated Clarify analysis configuration: the SageMaker Python SDK's DATA_BIAS ClarifyCheckStep
// writes analysis_config.json and uploads it (clarify/analysis_configs.py records the upload instead of making
// it); clarifyDataBiasCheckJob must record the same text for the same S3 URI.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { venvPython } from '@sagemaker-mlops/test-services';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ClarifyBiasConfig,
  type ClarifyDataConfig,
  PipelineSession,
  clarifyDataBiasCheckJob,
} from '../../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const BUCKET = 'parity-bucket';
const ROLE = 'arn:aws:iam::123456789012:role/SageMakerRole';

const cases: Record<string, { data: ClarifyDataConfig; bias: ClarifyBiasConfig; methods: 'all' | readonly string[] }> =
  {
    csv_label_index: {
      data: {
        s3DataInputPath: `s3://${BUCKET}/data/train.csv`,
        s3OutputPath: `s3://${BUCKET}/checks/bias`,
        label: 0,
        datasetType: 'text/csv',
      },
      bias: { labelValuesOrThreshold: [1], facetName: [8] },
      methods: 'all',
    },
    csv_headers_facets_group: {
      data: {
        s3DataInputPath: `s3://${BUCKET}/data/train.csv`,
        s3OutputPath: `s3://${BUCKET}/checks/bias/`,
        s3AnalysisConfigOutputPath: `s3://${BUCKET}/configs`,
        label: 'target',
        headers: ['target', 'age', 'sex', 'income', 'région'],
        datasetType: 'text/csv',
        excludedColumns: ['income'],
        joinsource: 'id',
      },
      bias: {
        labelValuesOrThreshold: [1, 2],
        facetName: ['age', 'sex'],
        facetValuesOrThreshold: [[40], ['F']],
        groupName: 'income',
      },
      methods: ['CI', 'DPL'],
    },
    jsonlines_single_facet_threshold: {
      data: {
        s3DataInputPath: `s3://${BUCKET}/data/train.jsonl`,
        s3OutputPath: `s3://${BUCKET}/out`,
        label: 'label',
        features: 'features',
        datasetType: 'application/jsonlines',
      },
      bias: { labelValuesOrThreshold: 0.5, facetName: 'age', facetValuesOrThreshold: [30.5] },
      methods: 'all',
    },
  };

let python: Record<string, { text: string; uri: string }> = {};

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(venvPython('parity'), [join(here, 'clarify', 'analysis_configs.py')], {
    cwd: here,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 120_000,
  });
  python = JSON.parse(stdout.trimEnd().split('\n').pop() ?? '{}') as typeof python;
}, 180_000);

describe('Clarify DATA_BIAS analysis_config.json parity with the SageMaker Python SDK v2.257', () => {
  it('has a Python result for every case', () => {
    expect(Object.keys(python).sort()).toEqual(Object.keys(cases).sort());
  });

  it.each(Object.keys(cases))('%s: same text, same S3 URI, read by the job', (name) => {
    const c = cases[name] as (typeof cases)[string];
    const session = new PipelineSession({ pipelineName: 'P', defaultBucket: BUCKET, region: 'us-east-1' });
    const args = clarifyDataBiasCheckJob({
      session,
      job: { region: 'us-east-1', role: ROLE, instanceType: 'ml.m5.xlarge' },
      dataConfig: c.data,
      biasConfig: c.bias,
      methods: c.methods,
    });
    const expected = python[name];
    expect(session.assets.map((a) => [a.s3Uri, a.body])).toEqual([[expected?.uri, expected?.text]]);
    const config = args.ProcessingInputs?.find((i) => i.InputName === 'analysis_config');
    expect(config?.S3Input?.S3Uri).toBe(expected?.uri);
  });
});
