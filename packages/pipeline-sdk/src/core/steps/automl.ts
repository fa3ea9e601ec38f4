import type { CreateAutoMLJobRequest, DescribeAutoMLJobResponse } from '@aws-sdk/client-sagemaker';
import { InvalidArgumentError } from '../errors.js';
import { createProperties, type PropertiesOf, type Property } from '../properties.js';
import { PROPERTY_ROOTS, PROPERTY_SHAPES } from '../property-shapes.generated.js';
import type { StepArguments } from '../types.js';
import { COMMON_OPTIONS, type CacheOptions, checkOptions, type RetryOptions, Step, type StepOptions } from './base.js';

/**
 * CreateAutoMLJob request as a pipeline step takes it: `AutoMLJobConfig.Mode` must be `ENSEMBLING`, and
 * `ModelDeployConfig` / `GenerateCandidateDefinitionsOnly` are not allowed (the Python SDK drops them).
 */
export type AutoMLStepArguments = StepArguments<
  Omit<CreateAutoMLJobRequest, 'ModelDeployConfig' | 'GenerateCandidateDefinitionsOnly'>,
  'AutoMLJobName'
>;

export interface AutoMLStepOptions extends StepOptions, CacheOptions, RetryOptions {
  arguments: AutoMLStepArguments;
}

/** DescribeAutoMLJob's properties plus the best candidate's reports, as the Python SDK's AutoMLStep. */
export type AutoMLStepProperties = PropertiesOf<DescribeAutoMLJobResponse> & {
  readonly BestCandidateProperties: {
    readonly ModelInsightsJsonReportPath: Property<string>;
    readonly ExplainabilityJsonReportPath: Property<string>;
  };
};

/** Runs an Autopilot job in ENSEMBLING mode (`Type: AutoML`). */
export class AutoMLStep extends Step {
  readonly stepType = 'AutoML' as const;
  override readonly jobNameArgument = 'AutoMLJobName';
  readonly properties: AutoMLStepProperties;
  readonly #arguments: AutoMLStepArguments;

  constructor(options: AutoMLStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON_OPTIONS, 'arguments', 'cacheConfig', 'retryPolicies'], 'AutoMLStep');
    const args = options.arguments as AutoMLStepArguments & Record<string, unknown>;
    if (args.AutoMLJobConfig?.Mode !== 'ENSEMBLING') {
      throw new InvalidArgumentError(
        "an AutoML step runs only in ENSEMBLING mode: set AutoMLJobConfig.Mode to 'ENSEMBLING'",
        { stepName: this.name, path: 'Arguments.AutoMLJobConfig.Mode' },
      );
    }
    for (const key of ['ModelDeployConfig', 'GenerateCandidateDefinitionsOnly']) {
      if (key in args) {
        throw new InvalidArgumentError(`an AutoML step does not take ${key}`, {
          stepName: this.name,
          path: `Arguments.${key}`,
        });
      }
    }
    this.#arguments = options.arguments;
    this.properties = createProperties(this.name, {
      ...PROPERTY_SHAPES[PROPERTY_ROOTS.AutoML],
      BestCandidateProperties: { ModelInsightsJsonReportPath: '', ExplainabilityJsonReportPath: '' },
    });
  }

  get arguments(): AutoMLStepArguments {
    return this.#arguments;
  }
}
