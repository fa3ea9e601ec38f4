import type { PipelineExpression } from './expressions.js';

/**
 * `T` where any value may also be a pipeline expression of a compatible type: strings (and
 * string enums) accept `PipelineExpression<string>`, numbers `PipelineExpression<number>`,
 * booleans `PipelineExpression<boolean>`. Applied deeply to the AWS request types, so required
 * and optional members stay as the AWS model says.
 */
export type Pipelined<T> = T extends string
  ? T | PipelineExpression<string>
  : T extends number
    ? T | PipelineExpression<number>
    : T extends boolean
      ? T | PipelineExpression<boolean>
      : T extends Date
        ? T | PipelineExpression<string>
        : T extends readonly (infer U)[]
          ? Pipelined<U>[]
          : T extends object
            ? { [K in keyof T]: Pipelined<T[K]> }
            : T;

/**
 * The arguments of a job step: the AWS `Create*` request, where the job name is optional: the pipeline
 * generates it, and keeps a given one as the job-name prefix only with `useCustomJobPrefix` (Python's
 * `PipelineDefinitionConfig(use_custom_job_prefix=True)`).
 */
export type StepArguments<Request, GeneratedName extends keyof Request = never> = Pipelined<
  Omit<Request, GeneratedName> & Partial<Pick<Request, GeneratedName>>
>;
