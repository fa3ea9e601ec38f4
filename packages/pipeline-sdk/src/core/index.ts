// Core DSL: parameters, expressions, conditions, steps, properties, pipeline, compile, validation.
export * from './errors.js';
export {
  EXPRESSION,
  ExecutionVariables,
  Join,
  JsonGet,
  Parameter,
  ParameterBoolean,
  ParameterFloat,
  ParameterInteger,
  ParameterString,
  PipelineExperimentConfigProperties,
  PipelineExpression,
  PropertyFile,
  isExpression,
  type ExpressionOperand,
  type ExpressionReference,
  type JsonGetOptions,
  type JsonValue,
  type NamedStep,
  type ParameterOptions,
  type ParameterType,
  type Primitive,
} from './expressions.js';
export * from './conditions.js';
export {
  Property,
  type NamedPropertyList,
  type PropertiesOf,
  type PropertyList,
  type PropertyMap,
} from './properties.js';
export * from './steps.js';
export * from './pipeline.js';
export type { Pipelined, StepArguments } from './types.js';
