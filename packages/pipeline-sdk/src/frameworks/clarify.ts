import type { PipelineExpression } from '../core/expressions.js';
import type { ProcessingStepArguments } from '../core/steps.js';
import { type CheckJobConfig, clarifyCheckJob } from './checks.js';
import { FrameworkConfigError } from './errors.js';
import { type HyperParameterValue, pythonJsonDumps } from './hyperparameters.js';
import type { PipelineSession } from './session.js';

type Column = string | number;

/** The Python SDK's `clarify.DataConfig` (the fields a bias check's analysis configuration reads). */
export interface ClarifyDataConfig {
  /** The dataset: an S3 URI or an expression. */
  readonly s3DataInputPath: string | PipelineExpression<string>;
  /** Where the analysis result goes (and the analysis configuration, unless `s3AnalysisConfigOutputPath`). */
  readonly s3OutputPath: string;
  /** Where analysis_config.json is uploaded instead of `s3OutputPath`. */
  readonly s3AnalysisConfigOutputPath?: string;
  readonly datasetType: 'text/csv' | 'application/jsonlines' | 'application/json' | 'application/x-parquet';
  readonly label?: Column;
  readonly headers?: readonly string[];
  /** JMESPath of the features (required for application/json). */
  readonly features?: string;
  readonly joinsource?: Column;
  readonly facetDatasetUri?: string;
  readonly facetHeaders?: readonly string[];
  readonly predictedLabelDatasetUri?: string;
  readonly predictedLabelHeaders?: readonly string[];
  readonly predictedLabel?: Column;
  readonly excludedColumns?: readonly Column[];
}

/** The Python SDK's `clarify.BiasConfig`. */
export interface ClarifyBiasConfig {
  readonly labelValuesOrThreshold: readonly Column[] | number;
  /** One sensitive column, or several. */
  readonly facetName: Column | readonly Column[];
  /** For one facet: its values or threshold; for several: one entry per facet. */
  readonly facetValuesOrThreshold?: readonly (Column | readonly Column[])[] | number;
  readonly groupName?: string;
}

export interface ClarifyDataBiasCheckOptions {
  readonly session: PipelineSession;
  readonly job: CheckJobConfig;
  readonly dataConfig: ClarifyDataConfig;
  readonly biasConfig: ClarifyBiasConfig;
  /** Pre-training bias metrics; default `'all'`. */
  readonly methods?: 'all' | readonly string[];
}

type JsonObject = { [key: string]: HyperParameterValue };

function set(target: JsonObject, key: string, value: HyperParameterValue | undefined): void {
  // Python's clarify._set: None (and only None) is left out.
  if (value !== undefined) target[key] = value;
}

function dataConfigJson(data: ClarifyDataConfig): JsonObject {
  if (data.datasetType === 'application/json' && data.features === undefined) {
    throw new FrameworkConfigError('features JMESPath is required for application/json dataset_type');
  }
  if (data.datasetType !== 'text/csv') {
    const csvOnly = [
      data.facetDatasetUri,
      data.facetHeaders,
      data.predictedLabelDatasetUri,
      data.predictedLabelHeaders,
    ];
    if (csvOnly.some((v) => v !== undefined)) {
      throw new FrameworkConfigError(
        `facet and predicted-label datasets and headers are not supported for dataset_type '${data.datasetType}'`,
      );
    }
  }
  const json: JsonObject = { dataset_type: data.datasetType };
  set(json, 'features', data.features);
  set(json, 'headers', data.headers);
  set(json, 'label', data.label);
  set(json, 'joinsource_name_or_index', data.joinsource);
  set(json, 'facet_dataset_uri', data.facetDatasetUri);
  set(json, 'facet_headers', data.facetHeaders);
  set(json, 'predicted_label_dataset_uri', data.predictedLabelDatasetUri);
  set(json, 'predicted_label_headers', data.predictedLabelHeaders);
  set(json, 'predicted_label', data.predictedLabel);
  set(json, 'excluded_columns', data.excludedColumns);
  return json;
}

function biasConfigJson(bias: ClarifyBiasConfig): JsonObject {
  let facets: JsonObject[];
  if (Array.isArray(bias.facetName)) {
    const names = bias.facetName as readonly Column[];
    if (names.length === 0) throw new FrameworkConfigError('BiasConfig needs at least one facet');
    const values = bias.facetValuesOrThreshold;
    if (values === undefined) {
      facets = names.map((name) => ({ name_or_index: name }));
    } else if (Array.isArray(values) && values.length === names.length) {
      facets = names.map((name, i) => {
        const facet: JsonObject = { name_or_index: name };
        set(facet, 'value_or_threshold', (values as readonly HyperParameterValue[])[i]);
        return facet;
      });
    } else {
      throw new FrameworkConfigError("The number of facet names doesn't match the number of facet values");
    }
  } else {
    const facet: JsonObject = { name_or_index: bias.facetName as Column };
    set(facet, 'value_or_threshold', bias.facetValuesOrThreshold as HyperParameterValue | undefined);
    facets = [facet];
  }
  const json: JsonObject = { label_values_or_threshold: bias.labelValuesOrThreshold, facet: facets };
  set(json, 'group_variable', bias.groupName);
  return json;
}

/**
 * The analysis_config.json of a DATA_BIAS ClarifyCheckStep, as the Python SDK's ClarifyCheckStep writes it
 * (`json.dump` of the data config, the bias config, the pre-training bias methods and the report).
 */
export function clarifyDataBiasAnalysisConfig(
  dataConfig: ClarifyDataConfig,
  biasConfig: ClarifyBiasConfig,
  methods: 'all' | readonly string[] = 'all',
): string {
  const config: JsonObject = {
    ...dataConfigJson(dataConfig),
    ...biasConfigJson(biasConfig),
    methods: {
      pre_training_bias: { methods },
      report: { name: 'report', title: 'Analysis Report' },
    },
  };
  return pythonJsonDumps(config);
}

/**
 * The processing job of a DATA_BIAS ClarifyCheckStep with its analysis configuration generated from the data
 * and bias configs, as the Python SDK's `DataBiasCheckConfig` does: analysis_config.json is recorded in the
 * session at `<s3AnalysisConfigOutputPath or s3OutputPath>/analysis_config.json` (where the Python SDK uploads
 * it; `session.uploadAssets()` puts it there) and the job reads it from there.
 */
export function clarifyDataBiasCheckJob(options: ClarifyDataBiasCheckOptions): ProcessingStepArguments {
  const { dataConfig } = options;
  const text = clarifyDataBiasAnalysisConfig(dataConfig, options.biasConfig, options.methods);
  const folder = (dataConfig.s3AnalysisConfigOutputPath ?? dataConfig.s3OutputPath).replace(/\/+$/, '');
  const analysisConfigUri = options.session.addInputFile(`${folder}/analysis_config.json`, text, 'application/json');
  return clarifyCheckJob({
    job: options.job,
    analysisConfigUri,
    dataset: dataConfig.s3DataInputPath,
    outputS3Uri: dataConfig.s3OutputPath,
  });
}
