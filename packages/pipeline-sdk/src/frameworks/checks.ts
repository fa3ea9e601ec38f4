import type { ProcessingInstanceType } from '@aws-sdk/client-sagemaker';
import type { PipelineExpression } from '../core/expressions.js';
import type { ProcessingStepArguments } from '../core/steps.js';
import { CLARIFY_IMAGE, MODEL_MONITOR_IMAGE } from './check-images.generated.js';
import { FrameworkConfigError } from './errors.js';
import { pythonJsonDumps } from './hyperparameters.js';
import { processingInput, processingOutput } from './processors.js';

type Str = string | PipelineExpression<string>;
type Num = number | PipelineExpression<number>;

/** The Python SDK's `CheckJobConfig`: the baselining job's resources. */
export interface CheckJobConfig {
  readonly region: string;
  readonly role: string;
  readonly instanceType: ProcessingInstanceType | PipelineExpression<string>;
  /** Default 1. */
  readonly instanceCount?: Num;
  /** Default 30. */
  readonly volumeSizeInGB?: Num;
  readonly maxRuntimeInSeconds?: Num;
  readonly env?: Readonly<Record<string, Str>>;
  /** Instead of the region's analyzer image. */
  readonly imageUri?: string;
}

/** The Python SDK's `DatasetFormat.csv(...)` / `.json(...)` / `.parquet()`. */
export type DatasetFormat =
  | { readonly csv: { readonly header?: boolean; readonly outputColumnsPosition?: 'START' | 'END' } }
  | { readonly json: { readonly lines?: boolean } }
  | { readonly parquet: Record<string, never> };

function datasetFormatJson(format: DatasetFormat): string {
  if ('csv' in format) {
    return pythonJsonDumps({
      csv: { header: format.csv.header ?? true, output_columns_position: format.csv.outputColumnsPosition ?? 'START' },
    });
  }
  if ('json' in format) return pythonJsonDumps({ json: { lines: format.json.lines ?? true } });
  return pythonJsonDumps({ parquet: {} });
}

function regionalImage(
  table: { readonly repository: string; readonly registries: Readonly<Record<string, string>> },
  region: string,
  tag?: string,
): string {
  const account = table.registries[region];
  if (account === undefined) {
    throw new FrameworkConfigError(
      `no ${table.repository} image in region '${region}'; known regions: ${Object.keys(table.registries).join(', ')}`,
    );
  }
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${account}.dkr.ecr.${region}.${domain}/${table.repository}${tag === undefined ? '' : `:${tag}`}`;
}

function resources(job: CheckJobConfig): Pick<ProcessingStepArguments, 'ProcessingResources' | 'RoleArn'> {
  return {
    ProcessingResources: {
      ClusterConfig: {
        InstanceType: job.instanceType,
        InstanceCount: job.instanceCount ?? 1,
        VolumeSizeInGB: job.volumeSizeInGB ?? 30,
      },
    },
    RoleArn: job.role,
  };
}

export interface DataQualityCheckOptions {
  readonly job: CheckJobConfig;
  /** The dataset to baseline: an S3 URI or an expression (e.g. a processing step's output). */
  readonly baselineDataset: Str;
  readonly datasetFormat: DatasetFormat;
  /** Where the statistics and constraints go. */
  readonly outputS3Uri: Str;
}

/**
 * The baselining job of a DATA_QUALITY QualityCheckStep, as the Python SDK's `DataQualityCheckConfig` with
 * `CheckJobConfig` writes it (the Model Monitor analyzer image of the region).
 */
export function dataQualityCheckJob(options: DataQualityCheckOptions): ProcessingStepArguments {
  const { job } = options;
  const datasetPath = '/opt/ml/processing/input/baseline_dataset_input';
  const args: ProcessingStepArguments = {
    ...resources(job),
    AppSpecification: { ImageUri: job.imageUri ?? regionalImage(MODEL_MONITOR_IMAGE, job.region) },
    ProcessingInputs: [
      processingInput({
        source: options.baselineDataset,
        destination: datasetPath,
        inputName: 'baseline_dataset_input',
      }),
    ],
    ProcessingOutputConfig: {
      Outputs: [
        processingOutput({
          source: '/opt/ml/processing/output',
          destination: options.outputS3Uri,
          outputName: 'quality_check_output',
        }),
      ],
    },
    Environment: {
      ...(job.env ?? {}),
      output_path: '/opt/ml/processing/output',
      publish_cloudwatch_metrics: 'Disabled',
      dataset_format: datasetFormatJson(options.datasetFormat),
      dataset_source: datasetPath,
    },
  };
  if (job.maxRuntimeInSeconds !== undefined) args.StoppingCondition = { MaxRuntimeInSeconds: job.maxRuntimeInSeconds };
  return args;
}

export interface ModelQualityCheckOptions extends DataQualityCheckOptions {
  readonly problemType: 'Regression' | 'BinaryClassification' | 'MulticlassClassification';
  readonly inferenceAttribute?: string;
  readonly probabilityAttribute?: string;
  readonly groundTruthAttribute?: string;
  readonly probabilityThresholdAttribute?: number;
}

/** The baselining job of a MODEL_QUALITY QualityCheckStep, as the Python SDK's `ModelQualityCheckConfig` writes it. */
export function modelQualityCheckJob(options: ModelQualityCheckOptions): ProcessingStepArguments {
  const args = dataQualityCheckJob(options);
  const env: Record<string, Str> = {
    ...(args.Environment ?? {}),
    analysis_type: 'MODEL_QUALITY',
    problem_type: options.problemType,
  };
  if (options.inferenceAttribute !== undefined) env.inference_attribute = options.inferenceAttribute;
  if (options.probabilityAttribute !== undefined) env.probability_attribute = options.probabilityAttribute;
  if (options.groundTruthAttribute !== undefined) env.ground_truth_attribute = options.groundTruthAttribute;
  if (options.probabilityThresholdAttribute !== undefined) {
    env.probability_threshold_attribute = pythonJsonDumps(options.probabilityThresholdAttribute);
  }
  return { ...args, Environment: env };
}

export interface ClarifyCheckJobOptions {
  readonly job: CheckJobConfig;
  /** analysis_config.json in S3 (the Clarify analysis configuration the check runs). */
  readonly analysisConfigUri: Str;
  /** The dataset: an S3 URI or an expression. */
  readonly dataset: Str;
  /** Where the analysis result goes. */
  readonly outputS3Uri: Str;
  readonly outputUploadMode?: 'EndOfJob' | 'Continuous';
}

/** The processing job of a ClarifyCheckStep, as the Python SDK's Clarify check configs write it. */
export function clarifyCheckJob(options: ClarifyCheckJobOptions): ProcessingStepArguments {
  const { job } = options;
  const args: ProcessingStepArguments = {
    ...resources(job),
    AppSpecification: { ImageUri: job.imageUri ?? regionalImage(CLARIFY_IMAGE, job.region, CLARIFY_IMAGE.tag) },
    ProcessingInputs: [
      processingInput({
        source: options.analysisConfigUri,
        destination: '/opt/ml/processing/input/config',
        inputName: 'analysis_config',
      }),
      processingInput({ source: options.dataset, destination: '/opt/ml/processing/input/data', inputName: 'dataset' }),
    ],
    ProcessingOutputConfig: {
      Outputs: [
        processingOutput({
          source: '/opt/ml/processing/output',
          destination: options.outputS3Uri,
          outputName: 'analysis_result',
          s3UploadMode: options.outputUploadMode ?? 'EndOfJob',
        }),
      ],
    },
  };
  if (job.env !== undefined) args.Environment = { ...job.env };
  if (job.maxRuntimeInSeconds !== undefined) args.StoppingCondition = { MaxRuntimeInSeconds: job.maxRuntimeInSeconds };
  return args;
}
