import { readFileSync } from 'node:fs';
import type { DescribeTrainingJobResponse } from '@aws-sdk/client-sagemaker';
import type { PipelineSession } from '../../frameworks/session.js';
import { InvalidArgumentError } from '../errors.js';
import { ExecutionVariables, Join, type PipelineExpression } from '../expressions.js';
import { createProperties, type PropertiesOf, type Property } from '../properties.js';
import { PROPERTY_ROOTS } from '../property-shapes.generated.js';
import { COMMON_OPTIONS, type CacheOptions, checkOptions, type RetryOptions, Step, type StepOptions } from './base.js';

type Str = string | PipelineExpression<string>;

export interface NotebookJobStepOptions extends StepOptions, RetryOptions, CacheOptions {
  /** The pipeline this step belongs to: the input and output folders are under `<s3RootUri>/<pipelineName>/`. */
  pipelineName: string;
  region: string;
  /**
   * The notebook, e.g. `analysis.ipynb`. With `session`, a local path whose file is recorded for upload to
   * `step.inputS3Uri`; without, upload it (and its dependencies) there yourself.
   */
  inputNotebook: string;
  /**
   * Records the notebook and the initialisation script (local paths) as the session's assets under
   * `step.inputS3Uri`, as the Python SDK uploads them; `session.uploadAssets()` puts them in S3.
   */
  session?: PipelineSession;
  imageUri: Str;
  kernelName: Str;
  role: string;
  s3RootUri: string;
  /** Default `ml.m5.large`. */
  instanceType?: Str;
  /** Notebook parameters (papermill). */
  parameters?: Readonly<Record<string, Str>>;
  environmentVariables?: Readonly<Record<string, Str>>;
  initializationScript?: string;
  /** Default: derived from the notebook file name plus a timestamp, as the Python SDK. */
  notebookJobName?: string;
  /** Time of the derived names' timestamp (default now). */
  timestamp?: Date;
  /** Default 2 days. */
  maxRuntimeInSeconds?: number;
  /** Default 1. */
  maxRetryAttempts?: number;
  /** Default 30. */
  volumeSize?: number;
  /** Default true. */
  encryptInterContainerTraffic?: boolean;
  tags?: readonly { Key: string; Value: string }[];
}

/** The notebook job's properties, named as the Python SDK's NotebookJobStep names them (a training job underneath). */
export type NotebookJobStepProperties = PropertiesOf<DescribeTrainingJobResponse> & {
  readonly ComputingJobName: Property<string>;
  readonly ComputingJobStatus: Property<string>;
  readonly NotebookJobInputLocation: Property<string>;
  readonly NotebookJobOutputLocationPrefix: Property<string>;
  readonly InputNotebookName: Property<string>;
  readonly OutputNotebookName: Property<string>;
};

/** Python's `name_from_base`: `<base>-YYYY-MM-DD-HH-MM-SS-mmm` (UTC), at most 63 characters. */
function nameFromBase(base: string, at: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${at.getUTCFullYear()}-${p(at.getUTCMonth() + 1)}-${p(at.getUTCDate())}-${p(at.getUTCHours())}-${p(at.getUTCMinutes())}-${p(at.getUTCSeconds())}-${p(at.getUTCMilliseconds(), 3)}`;
  return `${base.slice(0, 63 - stamp.length - 1)}-${stamp}`;
}

const jobPrefix = (name: string) => name.replace(/^[^a-zA-Z0-9]+/, '').replace(/[^a-zA-Z0-9-]/g, '-');
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const CHANNEL = 'sagemaker_headless_execution_pipelinestep';

/**
 * Runs a Jupyter notebook as a headless training job, as the Python SDK's NotebookJobStep (which compiles to
 * `Type: Training`). The notebook is read from `inputS3Uri`: pass `session` to have it (and the initialisation
 * script) uploaded there by `session.uploadAssets()`, or upload them yourself before the pipeline runs.
 */
export class NotebookJobStep extends Step {
  readonly stepType = 'Training' as const;
  readonly properties: NotebookJobStepProperties;
  /** Where the step reads the notebook (and its dependencies) from. */
  readonly inputS3Uri: string;
  readonly #arguments: { [key: string]: unknown };

  constructor(options: NotebookJobStepOptions) {
    super(options);
    checkOptions(
      options.name,
      options,
      [
        ...COMMON_OPTIONS,
        'pipelineName',
        'session',
        'region',
        'inputNotebook',
        'imageUri',
        'kernelName',
        'role',
        's3RootUri',
        'instanceType',
        'parameters',
        'environmentVariables',
        'initializationScript',
        'notebookJobName',
        'timestamp',
        'maxRuntimeInSeconds',
        'maxRetryAttempts',
        'volumeSize',
        'encryptInterContainerTraffic',
        'tags',
        'retryPolicies',
        'cacheConfig',
      ],
      'NotebookJobStep',
    );
    const o = options;
    const fail = (message: string, path: string): never => {
      throw new InvalidArgumentError(message, { stepName: this.name, path });
    };
    if (!/\.ipynb$/.test(o.inputNotebook))
      fail(`inputNotebook '${o.inputNotebook}' is not a .ipynb file`, 'InputNotebook');
    if (!o.s3RootUri.startsWith('s3://')) fail(`s3RootUri '${o.s3RootUri}' is not an S3 URI`, 'S3RootUri');
    const at = o.timestamp ?? new Date();
    const notebook = baseName(o.inputNotebook);
    const jobName = o.notebookJobName ?? nameFromBase(jobPrefix(notebook), at);
    if (!/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(jobName)) {
      fail(
        `notebook job name '${jobName}' must start with a letter and hold only letters, digits, '-' and '_'`,
        'NotebookJobName',
      );
    }
    const prefix = jobPrefix(jobName);
    const root = o.s3RootUri.replace(/\/+$/, '');
    this.inputS3Uri = `${root}/${o.pipelineName}/${this.name}/${nameFromBase('input', at)}`;
    if (o.session !== undefined) {
      const files: [string, string | undefined][] = [
        ['InputNotebook', o.inputNotebook],
        ['InitializationScript', o.initializationScript],
      ];
      for (const [field, path] of files) {
        if (path === undefined) continue;
        let body = '';
        try {
          body = readFileSync(path, 'utf8');
        } catch (error) {
          fail(`cannot read ${field} '${path}' to upload it: ${(error as Error).message}`, field);
        }
        const contentType = field === 'InputNotebook' ? 'application/x-ipynb+json' : 'text/x-shellscript';
        o.session.addInputFile(`${this.inputS3Uri}/${baseName(path)}`, body, contentType);
      }
    }
    const environment: { [key: string]: unknown } = {
      ...(o.environmentVariables ?? {}),
      AWS_DEFAULT_REGION: o.region,
      SM_JOB_DEF_VERSION: '1.0',
      SM_ENV_NAME: 'sagemaker-default-env',
      SM_SKIP_EFS_SIMULATION: 'true',
      SM_EXECUTION_INPUT_PATH: `/opt/ml/input/data/${CHANNEL}`,
      SM_KERNEL_NAME: o.kernelName,
      SM_INPUT_NOTEBOOK_NAME: notebook,
      SM_OUTPUT_NOTEBOOK_NAME: `${prefix}.ipynb`,
    };
    if (o.initializationScript !== undefined) environment.SM_INIT_SCRIPT = baseName(o.initializationScript);
    this.#arguments = {
      TrainingJobName: prefix,
      RoleArn: o.role,
      RetryStrategy: { MaximumRetryAttempts: o.maxRetryAttempts ?? 1 },
      StoppingCondition: { MaxRuntimeInSeconds: o.maxRuntimeInSeconds ?? 2 * 24 * 60 * 60 },
      EnableInterContainerTrafficEncryption: o.encryptInterContainerTraffic ?? true,
      AlgorithmSpecification: {
        TrainingImage: o.imageUri,
        TrainingInputMode: 'File',
        ContainerEntrypoint: ['amazon_sagemaker_scheduler'],
      },
      InputDataConfig: [
        {
          ChannelName: CHANNEL,
          DataSource: {
            S3DataSource: { S3DataType: 'S3Prefix', S3Uri: this.inputS3Uri, S3DataDistributionType: 'FullyReplicated' },
          },
        },
      ],
      OutputDataConfig: {
        S3OutputPath: new Join({
          on: '/',
          values: [root, o.pipelineName, ExecutionVariables.PIPELINE_EXECUTION_ID, this.name],
        }),
      },
      ResourceConfig: {
        VolumeSizeInGB: o.volumeSize ?? 30,
        InstanceCount: 1,
        InstanceType: o.instanceType ?? 'ml.m5.large',
      },
      Tags: [
        ...(o.tags ?? []),
        { Key: 'sagemaker:name', Value: jobName },
        { Key: 'sagemaker:notebook-name', Value: notebook },
        { Key: 'sagemaker:notebook-job-origin', Value: 'PIPELINE_STEP' },
        { Key: 'sagemaker:is-studio-archived', Value: 'false' },
      ],
      Environment: environment,
    };
    if (o.parameters !== undefined && Object.keys(o.parameters).length > 0) {
      this.#arguments.HyperParameters = { ...o.parameters };
    }
    // The Python SDK's aliases resolve to the training job's paths.
    const real = createProperties<PropertiesOf<DescribeTrainingJobResponse>>(this.name, PROPERTY_ROOTS.Training);
    this.properties = new Proxy(real as object, {
      get: (target, prop, receiver) => {
        switch (prop) {
          case 'ComputingJobName':
            return real.TrainingJobName;
          case 'ComputingJobStatus':
            return real.TrainingJobStatus;
          case 'NotebookJobInputLocation':
            return real.InputDataConfig[0].DataSource.S3DataSource.S3Uri;
          case 'NotebookJobOutputLocationPrefix':
            return real.OutputDataConfig.S3OutputPath;
          case 'InputNotebookName':
            return real.Environment['SM_INPUT_NOTEBOOK_NAME'];
          case 'OutputNotebookName':
            return real.Environment['SM_OUTPUT_NOTEBOOK_NAME'];
          default:
            return Reflect.get(target, prop, receiver);
        }
      },
    }) as NotebookJobStepProperties;
  }

  get arguments(): Readonly<{ [key: string]: unknown }> {
    return this.#arguments;
  }
}
