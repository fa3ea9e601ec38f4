import { InvalidArgumentError } from '../errors.js';
import type { JsonValue, Primitive } from '../expressions.js';
import { type Property, stepProperty } from '../properties.js';
import { COMMON_OPTIONS as COMMON, type CacheOptions, checkOptions, Step, type StepOptions } from './base.js';

export type OutputType = 'String' | 'Integer' | 'Float' | 'Boolean';
type OutputValue<T extends OutputType> = T extends 'String' ? string : T extends 'Boolean' ? boolean : number;

export interface StepOutputDeclaration<Name extends string = string, T extends OutputType = OutputType> {
  name: Name;
  /** Default 'String'. */
  type?: T;
}

type OutputProperties<O extends StepOutputDeclaration> = {
  readonly [D in O as D['name']]: Property<OutputValue<D['type'] extends OutputType ? D['type'] : 'String'>>;
};

function outputDeclarations(
  stepName: string,
  outputs: readonly StepOutputDeclaration[],
): { [key: string]: JsonValue }[] {
  const seen = new Set<string>();
  return outputs.map((o, i) => {
    if (typeof o.name !== 'string' || o.name.length === 0 || seen.has(o.name)) {
      throw new InvalidArgumentError(`output name ${JSON.stringify(o.name)} is empty or used twice`, {
        stepName,
        path: `OutputParameters[${i}].OutputName`,
      });
    }
    seen.add(o.name);
    const type = o.type ?? 'String';
    if (!['String', 'Integer', 'Float', 'Boolean'].includes(type)) {
      throw new InvalidArgumentError(`output type '${type}' must be String, Integer, Float or Boolean`, {
        stepName,
        path: `OutputParameters[${i}].OutputType`,
      });
    }
    return { OutputName: o.name, OutputType: type };
  });
}

function outputProperties(
  stepName: string,
  outputs: readonly StepOutputDeclaration[],
): Record<string, Property<Primitive>> {
  return Object.fromEntries(
    outputs.map((o) => [o.name, stepProperty<Primitive>(stepName, `OutputParameters['${o.name}']`)]),
  );
}

export interface LambdaStepOptions<O extends StepOutputDeclaration> extends StepOptions, CacheOptions {
  /** ARN of an existing Lambda function. */
  functionArn: string;
  /** The event the function receives; values may be pipeline expressions. */
  inputs?: Record<string, unknown>;
  outputs?: readonly O[];
}

/** Invokes a Lambda function; its outputs are `step.properties.Outputs[name]`. */
export class LambdaStep<const O extends StepOutputDeclaration = never> extends Step {
  readonly stepType = 'Lambda' as const;
  readonly properties: { readonly Outputs: OutputProperties<O> };
  readonly inputs: Record<string, unknown>;

  constructor(options: LambdaStepOptions<O>) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'functionArn', 'inputs', 'outputs', 'cacheConfig'], 'LambdaStep');
    if (typeof options.functionArn !== 'string' || options.functionArn.length === 0) {
      throw new InvalidArgumentError('a LambdaStep needs functionArn', { stepName: this.name, path: 'FunctionArn' });
    }
    this.inputs = { ...(options.inputs ?? {}) };
    const outputs = options.outputs ?? [];
    this.extraFields.FunctionArn = options.functionArn;
    this.extraFields.OutputParameters = outputDeclarations(this.name, outputs);
    this.properties = { Outputs: outputProperties(this.name, outputs) as OutputProperties<O> };
  }

  get arguments(): Record<string, unknown> {
    return this.inputs;
  }
}

export interface CallbackStepOptions<O extends StepOutputDeclaration> extends StepOptions, CacheOptions {
  /** The SQS queue that receives the callback token and inputs. */
  sqsQueueUrl: string;
  inputs?: Record<string, unknown>;
  outputs?: readonly O[];
}

/** Sends a message to SQS and waits for SendPipelineExecutionStepSuccess/Failure. */
export class CallbackStep<const O extends StepOutputDeclaration = never> extends Step {
  readonly stepType = 'Callback' as const;
  readonly properties: { readonly Outputs: OutputProperties<O> };
  readonly inputs: Record<string, unknown>;

  constructor(options: CallbackStepOptions<O>) {
    super(options);
    checkOptions(options.name, options, [...COMMON, 'sqsQueueUrl', 'inputs', 'outputs', 'cacheConfig'], 'CallbackStep');
    if (typeof options.sqsQueueUrl !== 'string' || options.sqsQueueUrl.length === 0) {
      throw new InvalidArgumentError('a CallbackStep needs sqsQueueUrl', { stepName: this.name, path: 'SqsQueueUrl' });
    }
    this.inputs = { ...(options.inputs ?? {}) };
    const outputs = options.outputs ?? [];
    this.extraFields.SqsQueueUrl = options.sqsQueueUrl;
    this.extraFields.OutputParameters = outputDeclarations(this.name, outputs);
    this.properties = { Outputs: outputProperties(this.name, outputs) as OutputProperties<O> };
  }

  get arguments(): Record<string, unknown> {
    return this.inputs;
  }
}
