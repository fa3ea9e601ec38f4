import { InvalidArgumentError } from '../errors.js';
import type { PipelineExpression } from '../expressions.js';
import { createProperties, type Property, type PropertyList, type PropertyMap } from '../properties.js';
import { PROPERTY_ROOTS } from '../property-shapes.generated.js';
import { COMMON_OPTIONS, type CacheOptions, checkOptions, type RetryOptions, Step, type StepOptions } from './base.js';

type Str = string | PipelineExpression<string>;

/** The Python SDK's `EMRStepConfig`: an EMR `HadoopJarStep`. */
export interface EMRStepConfig {
  jar: Str;
  args?: readonly Str[];
  mainClass?: Str;
  properties?: readonly { Key: Str; Value: Str }[];
}

export interface EMRStepOptions extends StepOptions, CacheOptions, RetryOptions {
  stepConfig: EMRStepConfig;
  /** A running cluster; exactly one of clusterId and clusterConfig. */
  clusterId?: Str;
  /** RunJobFlow's cluster settings for a cluster made for this step (Instances, ReleaseLabel, ...). */
  clusterConfig?: Readonly<Record<string, unknown>>;
  /** Runtime role of the EMR step; needs `clusterId`, as in the Python SDK. */
  executionRoleArn?: Str;
}

/** Properties of an EMR step: the EMR `DescribeStep` response's `Step`. */
export interface EMRStepProperties {
  readonly Id: Property<string>;
  readonly Name: Property<string>;
  readonly ActionOnFailure: Property<string>;
  readonly ExecutionRoleArn: Property<string>;
  readonly EncryptionKeyArn: Property<string>;
  readonly LogUri: Property<string>;
  readonly Config: {
    readonly Jar: Property<string>;
    readonly MainClass: Property<string>;
    readonly Args: PropertyList<Property<string>>;
    readonly Properties: PropertyMap<Property<string>>;
  };
  readonly Status: {
    readonly State: Property<string>;
    readonly StateChangeReason: { readonly Code: Property<string>; readonly Message: Property<string> };
    readonly FailureDetails: {
      readonly Reason: Property<string>;
      readonly Message: Property<string>;
      readonly LogFile: Property<string>;
    };
    readonly Timeline: {
      readonly CreationDateTime: Property<string>;
      readonly StartDateTime: Property<string>;
      readonly EndDateTime: Property<string>;
    };
  };
}

/** Runs a Hadoop JAR step on an EMR cluster (`Type: EMR`), as the Python SDK's EMRStep. */
export class EMRStep extends Step {
  readonly stepType = 'EMR' as const;
  readonly properties: EMRStepProperties;
  readonly #arguments: { [key: string]: unknown };

  constructor(options: EMRStepOptions) {
    super(options);
    checkOptions(
      options.name,
      options,
      [
        ...COMMON_OPTIONS,
        'stepConfig',
        'clusterId',
        'clusterConfig',
        'executionRoleArn',
        'cacheConfig',
        'retryPolicies',
      ],
      'EMRStep',
    );
    const fail = (message: string, path: string): never => {
      throw new InvalidArgumentError(message, { stepName: this.name, path });
    };
    const { clusterId, clusterConfig, executionRoleArn, stepConfig } = options;
    if ((clusterId === undefined) === (clusterConfig === undefined)) {
      fail('give exactly one of clusterId (a running cluster) or clusterConfig (a new cluster)', 'Arguments.ClusterId');
    }
    if (executionRoleArn !== undefined && clusterId === undefined) {
      fail(
        'executionRoleArn needs clusterId: a new cluster (clusterConfig) runs with its own roles',
        'Arguments.ExecutionRoleArn',
      );
    }
    if (clusterConfig !== undefined) {
      for (const key of ['Name', 'Steps', 'AutoTerminationPolicy', 'StepConcurrencyLevel']) {
        if (key in clusterConfig)
          fail(`clusterConfig must not set ${key}: the pipeline sets it`, `Arguments.ClusterConfig.${key}`);
      }
      const instances = clusterConfig.Instances as Record<string, unknown> | undefined;
      if (instances && ('KeepJobFlowAliveWhenNoSteps' in instances || 'TerminationProtected' in instances)) {
        fail(
          'clusterConfig.Instances must not set KeepJobFlowAliveWhenNoSteps or TerminationProtected',
          'Arguments.ClusterConfig.Instances',
        );
      }
    }
    if (stepConfig === undefined || stepConfig.jar === undefined || stepConfig.jar === '') {
      fail('stepConfig.jar is required (e.g. command-runner.jar)', 'Arguments.StepConfig.HadoopJarStep.Jar');
    }
    const hadoop: { [key: string]: unknown } = { Jar: stepConfig.jar };
    if (stepConfig.args !== undefined) hadoop.Args = [...stepConfig.args];
    if (stepConfig.mainClass !== undefined) hadoop.MainClass = stepConfig.mainClass;
    if (stepConfig.properties !== undefined) hadoop.Properties = [...stepConfig.properties];
    this.#arguments = { StepConfig: { HadoopJarStep: hadoop } };
    if (clusterId !== undefined) this.#arguments.ClusterId = clusterId;
    if (executionRoleArn !== undefined) this.#arguments.ExecutionRoleArn = executionRoleArn;
    if (clusterConfig !== undefined) this.#arguments.ClusterConfig = clusterConfig;
    this.properties = createProperties(this.name, PROPERTY_ROOTS.EMR);
  }

  get arguments(): Readonly<{ [key: string]: unknown }> {
    return this.#arguments;
  }
}
