import { InvalidArgumentError, ParameterError } from './errors.js';

/** JSON as it appears in a pipeline definition. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type Primitive = string | number | boolean;

declare const valueType: unique symbol;

/**
 * Something a pipeline step reads at run time rather than at definition time: a parameter,
 * an execution variable, a step property, a function. Runtime objects are marked by a symbol
 * so the compiler recognises them even behind the property Proxy.
 */
export const EXPRESSION = Symbol.for('@sagemaker-mlops/pipeline-sdk/expression');

/** What an expression points at; the compiler uses these for validation and implicit dependencies. */
export type ExpressionReference =
  | { kind: 'parameter'; parameter: Parameter<Primitive> }
  | { kind: 'step'; stepName: string }
  | { kind: 'propertyFile'; stepName: string; propertyFile: PropertyFile };

export abstract class PipelineExpression<T = Primitive> {
  /** Type-only: the kind of value this expression evaluates to (string, number or boolean). */
  declare readonly [valueType]?: T;
  declare readonly [EXPRESSION]: true;

  /** The expression as it appears in the definition JSON, e.g. `{ "Get": "Parameters.X" }`. */
  abstract get expr(): JsonValue;

  /** What this expression (and the expressions inside it) refer to. */
  references(): ExpressionReference[] {
    return NO_REFERENCES;
  }

  /** `expr` as JSON text (the compiler's text mode); constant expressions cache it. */
  exprText(): string {
    return JSON.stringify(this.expr);
  }

  /** `{"Std:Join": {"On": "", "Values": [this]}}`: the Python SDK's `to_string()`, needed where a string is expected. */
  asString(): Join {
    return new Join({ on: '', values: [this] });
  }

  toJSON(): JsonValue {
    return this.expr;
  }

  /**
   * Expressions have no value while the pipeline is defined, so `${expr}` would silently produce
   * "[object Object]" in an S3 URI; like the Python SDK, refuse and say what to use instead.
   */
  toString(): string {
    throw new InvalidArgumentError(
      `${JSON.stringify(this.expr)} has no value until the pipeline runs: build strings with new Join({ on, values }) or expr.asString(), not template literals or String()`,
    );
  }

  [Symbol.toPrimitive](): never {
    return this.toString() as never;
  }
}
Object.defineProperty(PipelineExpression.prototype, EXPRESSION, { value: true });

const NO_REFERENCES: ExpressionReference[] = [];

export function isExpression(value: unknown): value is PipelineExpression<unknown> {
  return typeof value === 'object' && value !== null && (value as { [EXPRESSION]?: unknown })[EXPRESSION] === true;
}

// ---------------------------------------------------------------------------------------------
// Parameters

export type ParameterType = 'String' | 'Integer' | 'Float' | 'Boolean';

const PARAMETER_NAME = /^[A-Za-z0-9\-_]{1,256}$/;

export abstract class Parameter<T extends Primitive> extends PipelineExpression<T> {
  abstract readonly parameterType: ParameterType;
  readonly name: string;
  readonly defaultValue: T | undefined;

  constructor(name: string, defaultValue: T | undefined) {
    super();
    if (!PARAMETER_NAME.test(name)) {
      throw new ParameterError(`invalid parameter name '${name}': use 1-256 letters, digits, '-' or '_'`, {
        path: 'Parameters',
      });
    }
    this.name = name;
    this.defaultValue = defaultValue;
  }

  #text: string | undefined;
  #references: ExpressionReference[] | undefined;

  get expr(): JsonValue {
    return { Get: `Parameters.${this.name}` };
  }

  // A parameter is used by many steps: its text and reference list are made once.
  override exprText(): string {
    this.#text ??= JSON.stringify(this.expr);
    return this.#text;
  }

  override references(): ExpressionReference[] {
    this.#references ??= [{ kind: 'parameter', parameter: this as Parameter<Primitive> }];
    return this.#references;
  }

  /** Allowed values (String parameters only). */
  get enumValues(): readonly string[] | undefined {
    return undefined;
  }

  /** Whether `value` has this parameter's type (used when starting executions). */
  abstract accepts(value: unknown): value is T;

  /** The parameter declaration in the definition's `Parameters` list. */
  toDeclaration(): { [key: string]: JsonValue } {
    const declaration: { [key: string]: JsonValue } = { Name: this.name, Type: this.parameterType };
    if (this.defaultValue !== undefined) declaration.DefaultValue = this.defaultValue;
    return declaration;
  }
}

export interface ParameterOptions<T> {
  name: string;
  defaultValue?: T;
}

export class ParameterString extends Parameter<string> {
  readonly parameterType = 'String' as const;
  readonly #enumValues: readonly string[] | undefined;

  constructor(options: ParameterOptions<string> & { enumValues?: readonly string[] }) {
    super(options.name, options.defaultValue);
    this.#enumValues = options.enumValues ? [...options.enumValues] : undefined;
    if (this.#enumValues && options.defaultValue !== undefined && !this.#enumValues.includes(options.defaultValue)) {
      throw new ParameterError(
        `default value '${options.defaultValue}' of parameter '${options.name}' is not one of its enum values ${JSON.stringify(this.#enumValues)}`,
        { path: `Parameters.${options.name}` },
      );
    }
  }

  override get enumValues(): readonly string[] | undefined {
    return this.#enumValues;
  }

  accepts(value: unknown): value is string {
    return typeof value === 'string' && (this.#enumValues === undefined || this.#enumValues.includes(value));
  }

  override toDeclaration(): { [key: string]: JsonValue } {
    const declaration = super.toDeclaration();
    if (this.#enumValues) declaration.EnumValues = [...this.#enumValues];
    return declaration;
  }
}

function checkNumber(options: ParameterOptions<number>, integer: boolean): void {
  const v = options.defaultValue;
  if (v !== undefined && (!Number.isFinite(v) || (integer && !Number.isInteger(v)))) {
    throw new ParameterError(
      `default value ${v} of parameter '${options.name}' is not ${integer ? 'an integer' : 'a finite number'}`,
      { path: `Parameters.${options.name}` },
    );
  }
}

export class ParameterInteger extends Parameter<number> {
  readonly parameterType = 'Integer' as const;
  constructor(options: ParameterOptions<number>) {
    checkNumber(options, true);
    super(options.name, options.defaultValue);
  }
  accepts(value: unknown): value is number {
    return typeof value === 'number' && Number.isInteger(value);
  }
}

export class ParameterFloat extends Parameter<number> {
  readonly parameterType = 'Float' as const;
  constructor(options: ParameterOptions<number>) {
    checkNumber(options, false);
    super(options.name, options.defaultValue);
  }
  accepts(value: unknown): value is number {
    return typeof value === 'number' && Number.isFinite(value);
  }
}

export class ParameterBoolean extends Parameter<boolean> {
  readonly parameterType = 'Boolean' as const;
  constructor(options: ParameterOptions<boolean>) {
    super(options.name, options.defaultValue);
  }
  accepts(value: unknown): value is boolean {
    return typeof value === 'boolean';
  }
}

// ---------------------------------------------------------------------------------------------
// Execution variables and experiment-config properties

class GetExpression extends PipelineExpression<string> {
  readonly #text: string;
  constructor(private readonly path: string) {
    super();
    this.#text = JSON.stringify({ Get: path });
  }
  get expr(): JsonValue {
    return { Get: this.path };
  }
  override exprText(): string {
    return this.#text;
  }
}

/** Values SageMaker fills in per execution: `{"Get": "Execution.<Name>"}`. */
export const ExecutionVariables = {
  START_DATETIME: new GetExpression('Execution.StartDateTime'),
  CURRENT_DATETIME: new GetExpression('Execution.CurrentDateTime'),
  PIPELINE_NAME: new GetExpression('Execution.PipelineName'),
  PIPELINE_ARN: new GetExpression('Execution.PipelineArn'),
  PIPELINE_EXECUTION_ID: new GetExpression('Execution.PipelineExecutionId'),
  PIPELINE_EXECUTION_ARN: new GetExpression('Execution.PipelineExecutionArn'),
  TRAINING_JOB_NAME: new GetExpression('Execution.TrainingJobName'),
  PROCESSING_JOB_NAME: new GetExpression('Execution.ProcessingJobName'),
} as const satisfies Record<string, PipelineExpression<string>>;

/** `{"Get": "PipelineExperimentConfig.ExperimentName" | "...TrialName"}`. */
export const PipelineExperimentConfigProperties = {
  EXPERIMENT_NAME: new GetExpression('PipelineExperimentConfig.ExperimentName'),
  TRIAL_NAME: new GetExpression('PipelineExperimentConfig.TrialName'),
} as const satisfies Record<string, PipelineExpression<string>>;

// ---------------------------------------------------------------------------------------------
// Functions

export type ExpressionOperand = Primitive | PipelineExpression<unknown>;

function operandJson(value: ExpressionOperand): JsonValue {
  return isExpression(value) ? value.expr : value;
}

function operandReferences(value: unknown): ExpressionReference[] {
  return isExpression(value) ? value.references() : [];
}

/** `{"Std:Join": {"On": on, "Values": [...]}}`: concatenates values (e.g. an S3 URI) at run time. */
export class Join extends PipelineExpression<string> {
  readonly on: string;
  readonly values: readonly ExpressionOperand[];

  constructor(options: { on?: string; values: readonly ExpressionOperand[] }) {
    super();
    this.on = options.on ?? '';
    this.values = [...options.values];
  }

  get expr(): JsonValue {
    return { 'Std:Join': { On: this.on, Values: this.values.map(operandJson) } };
  }

  // A Join is immutable: its text and references are made once, from its operands' (no `expr` tree).
  #text: string | undefined;
  #references: ExpressionReference[] | undefined;

  override exprText(): string {
    if (this.#text === undefined) {
      let values = '';
      for (const value of this.values) {
        if (values !== '') values += ',';
        values += isExpression(value) ? value.exprText() : JSON.stringify(value);
      }
      this.#text = `{"Std:Join":{"On":${JSON.stringify(this.on)},"Values":[${values}]}}`;
    }
    return this.#text;
  }

  override references(): ExpressionReference[] {
    this.#references ??= this.values.flatMap(operandReferences);
    return this.#references;
  }
}

/**
 * A JSON file a Processing step writes into one of its outputs, declared on the step so that
 * later steps can read values from it with {@link JsonGet}.
 */
export class PropertyFile {
  readonly name: string;
  readonly outputName: string;
  readonly path: string;

  constructor(options: { name: string; outputName: string; path: string }) {
    for (const [key, value] of Object.entries(options)) {
      if (typeof value !== 'string' || value.length === 0) {
        throw new InvalidArgumentError(`PropertyFile ${key} must be a non-empty string`, { path: 'PropertyFiles' });
      }
    }
    this.name = options.name;
    this.outputName = options.outputName;
    this.path = options.path;
  }

  toDeclaration(): { [key: string]: JsonValue } {
    return { PropertyFileName: this.name, OutputName: this.outputName, FilePath: this.path };
  }
}

/** Anything with a step name; lets JsonGet take a step object without importing the step classes. */
export interface NamedStep {
  readonly name: string;
}

export type JsonGetOptions =
  | { step: NamedStep | string; propertyFile: PropertyFile | string; jsonPath: string }
  | { s3Uri: Join | string; jsonPath: string };

/**
 * `{"Std:JsonGet": ...}`: reads a value from a JSON document, either a property file of a
 * Processing step or an S3 object. `T` states the type the value will have (default: any primitive).
 */
export class JsonGet<T extends Primitive = Primitive> extends PipelineExpression<T> {
  readonly jsonPath: string;
  readonly stepName: string | undefined;
  readonly propertyFile: PropertyFile | string | undefined;
  readonly s3Uri: Join | string | undefined;

  constructor(options: JsonGetOptions) {
    super();
    if (typeof options.jsonPath !== 'string' || options.jsonPath.length === 0) {
      throw new InvalidArgumentError('JsonGet needs a non-empty jsonPath (e.g. "metrics.accuracy.value")');
    }
    this.jsonPath = options.jsonPath;
    if ('s3Uri' in options) {
      this.s3Uri = options.s3Uri;
      this.stepName = undefined;
      this.propertyFile = undefined;
    } else {
      this.stepName = typeof options.step === 'string' ? options.step : options.step.name;
      this.propertyFile = options.propertyFile;
      this.s3Uri = undefined;
    }
  }

  get propertyFileName(): string | undefined {
    return typeof this.propertyFile === 'string' ? this.propertyFile : this.propertyFile?.name;
  }

  get expr(): JsonValue {
    if (this.s3Uri !== undefined) {
      return { 'Std:JsonGet': { S3Uri: operandJson(this.s3Uri), Path: this.jsonPath } };
    }
    return {
      'Std:JsonGet': {
        PropertyFile: { Get: `Steps.${this.stepName}.PropertyFiles.${this.propertyFileName}` },
        Path: this.jsonPath,
      },
    };
  }

  override references(): ExpressionReference[] {
    if (this.s3Uri !== undefined) return operandReferences(this.s3Uri);
    const file =
      typeof this.propertyFile === 'string'
        ? new PropertyFile({ name: this.propertyFile, outputName: '?', path: '?' })
        : (this.propertyFile as PropertyFile);
    return [{ kind: 'propertyFile', stepName: this.stepName as string, propertyFile: file }];
  }
}
