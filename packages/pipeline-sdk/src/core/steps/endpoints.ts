import type {
  CreateEndpointConfigInput,
  CreateEndpointInput,
  DescribeEndpointConfigOutput,
  DescribeEndpointOutput,
} from '@aws-sdk/client-sagemaker';
import { createProperties, type PropertiesOf } from '../properties.js';
import { PROPERTY_ROOTS } from '../property-shapes.generated.js';
import type { Pipelined } from '../types.js';
import { COMMON_OPTIONS, type CacheOptions, checkOptions, type RetryOptions, Step, type StepOptions } from './base.js';

export type EndpointConfigStepArguments = Pipelined<
  Omit<CreateEndpointConfigInput, 'EndpointConfigName'> & Partial<Pick<CreateEndpointConfigInput, 'EndpointConfigName'>>
>;

export interface EndpointConfigStepOptions extends StepOptions, RetryOptions, CacheOptions {
  arguments: EndpointConfigStepArguments;
}

export class EndpointConfigStep extends Step {
  readonly stepType = 'EndpointConfig' as const;
  readonly properties: PropertiesOf<DescribeEndpointConfigOutput>;
  readonly #arguments: EndpointConfigStepArguments;

  constructor(options: EndpointConfigStepOptions) {
    super(options);
    checkOptions(
      options.name,
      options,
      [...COMMON_OPTIONS, 'arguments', 'retryPolicies', 'cacheConfig'],
      'EndpointConfigStep',
    );
    this.#arguments = options.arguments;
    this.properties = createProperties(this.name, PROPERTY_ROOTS.EndpointConfig);
  }

  get arguments(): EndpointConfigStepArguments {
    return this.#arguments;
  }
}

export type EndpointStepArguments = Pipelined<CreateEndpointInput>;

export interface EndpointStepOptions extends StepOptions, CacheOptions {
  arguments: EndpointStepArguments;
}

/** Creates (or updates) an endpoint; not retryable at the pipeline level, like the Python SDK's EndpointStep. */
export class EndpointStep extends Step {
  readonly stepType = 'Endpoint' as const;
  readonly properties: PropertiesOf<DescribeEndpointOutput>;
  readonly #arguments: EndpointStepArguments;

  constructor(options: EndpointStepOptions) {
    super(options);
    checkOptions(options.name, options, [...COMMON_OPTIONS, 'arguments', 'cacheConfig'], 'EndpointStep');
    this.#arguments = options.arguments;
    this.properties = createProperties(this.name, PROPERTY_ROOTS.Endpoint);
  }

  get arguments(): EndpointStepArguments {
    return this.#arguments;
  }
}
