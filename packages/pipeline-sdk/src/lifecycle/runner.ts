import { createHash } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  AddTagsCommand,
  CreatePipelineCommand,
  DescribePipelineCommand,
  ListPipelineExecutionsCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
  UpdatePipelineCommand,
  type DescribePipelineCommandOutput,
  type ListPipelineExecutionsCommandOutput,
  type StartPipelineExecutionCommandOutput,
  type PipelineExecutionSummary,
  type Tag,
} from '@aws-sdk/client-sagemaker';
import { z } from 'zod';
import {
  LifecycleError,
  PipelineDefinitionTooLargeError,
  PipelineNotFoundError,
  SelectiveExecutionError,
} from './errors.js';
import { PipelineExecution } from './execution.js';
import { toPipelineParameters, type PipelineParameterValues, type PipelineSource } from './parameters.js';

/** Definitions of this many UTF-8 bytes or more go to S3 (the Python SDK's threshold: 100 KiB). */
export const INLINE_DEFINITION_LIMIT_BYTES = 100 * 1024;

export interface PipelineRunnerOptions {
  /** Default: `new SageMakerClient({})` from the default credential chain. */
  readonly sagemaker?: SageMakerClient;
  /** For definitions over the inline limit. Default: `new S3Client({})` when `definitionBucket` is set. */
  readonly s3?: S3Client;
  /** Bucket for definitions over the inline limit; without it such a definition is an error. */
  readonly definitionBucket?: string;
  /** Key prefix in `definitionBucket`; the object is `<prefix><pipeline name>/definition-<sha256>.json`. */
  readonly definitionKeyPrefix?: string;
}

export interface UpsertOptions {
  /** IAM role SageMaker assumes to run the pipeline's steps. */
  readonly roleArn: string;
  readonly description?: string;
  readonly displayName?: string;
  /** Added on create; on update they are added to the existing tags (as the Python SDK does). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Most steps run at once in each execution (ParallelismConfiguration.MaxParallelExecutionSteps). */
  readonly parallelism?: number;
}

export interface UpsertResult {
  readonly pipelineArn: string;
  /** False when the pipeline existed and was updated. */
  readonly created: boolean;
  readonly definitionBytes: number;
  /** Where the definition went when it was too large to send inline. */
  readonly definitionS3Uri?: string;
}

export interface StartOptions {
  /** Idempotency token (32-128 characters): a retried start with the same token does not start twice. */
  readonly clientRequestToken?: string;
  /** Most steps run at once in this execution. */
  readonly parallelism?: number;
  /**
   * Run only these steps (selective execution), reusing the outputs of the others from `sourceExecutionArn`
   * (default: the latest execution of the pipeline).
   */
  readonly selectedSteps?: readonly string[];
  readonly sourceExecutionArn?: string;
  readonly displayName?: string;
  readonly description?: string;
}

export interface ListExecutionsOptions {
  readonly createdAfter?: Date;
  readonly createdBefore?: Date;
  /** Default Descending (newest first). */
  readonly sortOrder?: 'Ascending' | 'Descending';
  /** Stop after this many; default: every page. */
  readonly limit?: number;
}

export interface ExecutionSummary {
  readonly arn: string;
  readonly status: string;
  readonly startTime?: Date;
  readonly displayName?: string;
  readonly description?: string;
  readonly failureReason?: string;
}

const tokenSchema = z
  .string()
  .min(32)
  .max(128)
  .regex(/^[ -~]+$/, 'printable ASCII only');
const displayNameSchema = z
  .string()
  .max(82)
  .regex(
    /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}$/,
    'letters, digits and hyphens, starting and ending with a letter or digit',
  );
const parallelismSchema = z.number().int().min(1);

function check<T>(schema: z.ZodType<T>, value: unknown, what: string, pipelineName: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new LifecycleError(
      `pipeline '${pipelineName}': ${what} ${JSON.stringify(value)} is invalid: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    );
  }
  return parsed.data;
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | null)?.name;
}

function isPipelineMissing(error: unknown): boolean {
  const message = (error as { message?: string } | null)?.message ?? '';
  return (
    errorName(error) === 'ResourceNotFound' ||
    (errorName(error) === 'ValidationException' && /could not find pipeline|does not exist/i.test(message))
  );
}

function isAlreadyExists(error: unknown): boolean {
  const message = (error as { message?: string } | null)?.message ?? '';
  return (
    (errorName(error) === 'ValidationException' || errorName(error) === 'ResourceInUse') &&
    /already exists/i.test(message)
  );
}

/** Step names in a definition, condition branches included (for selective-execution checks). */
function stepNames(definition: string): Set<string> {
  const names = new Set<string>();
  const visit = (steps: unknown): void => {
    if (!Array.isArray(steps)) return;
    for (const step of steps as Array<{
      Name?: unknown;
      Type?: unknown;
      Arguments?: { IfSteps?: unknown; ElseSteps?: unknown };
    }>) {
      if (typeof step?.Name === 'string') names.add(step.Name);
      if (step?.Type === 'Condition') {
        visit(step.Arguments?.IfSteps);
        visit(step.Arguments?.ElseSteps);
      }
    }
  };
  visit((JSON.parse(definition) as { Steps?: unknown }).Steps);
  return names;
}

/**
 * Creates, updates and runs one SageMaker pipeline.
 *
 * @example
 * const runner = new PipelineRunner(pipeline, { sagemaker });
 * await runner.upsert({ roleArn });
 * const execution = await runner.start({ LearningRate: 0.01 }, { clientRequestToken });
 * const result = await execution.wait({ onProgress: (p) => console.log(p.status) });
 */
export class PipelineRunner {
  readonly sagemaker: SageMakerClient;
  readonly #s3: S3Client | undefined;
  readonly #options: PipelineRunnerOptions;

  constructor(
    readonly pipeline: PipelineSource,
    options: PipelineRunnerOptions = {},
  ) {
    this.sagemaker = options.sagemaker ?? new SageMakerClient({});
    this.#s3 = options.s3;
    this.#options = options;
  }

  get name(): string {
    return this.pipeline.name;
  }

  /** CreatePipeline, or UpdatePipeline when it exists. Large definitions go through S3. */
  async upsert(options: UpsertOptions): Promise<UpsertResult> {
    const definition = this.pipeline.definition();
    const definitionBytes = Buffer.byteLength(definition, 'utf8');
    let definitionFields:
      | { PipelineDefinition: string }
      | { PipelineDefinitionS3Location: { Bucket: string; ObjectKey: string } };
    let definitionS3Uri: string | undefined;
    if (definitionBytes < INLINE_DEFINITION_LIMIT_BYTES) {
      definitionFields = { PipelineDefinition: definition };
    } else {
      const bucket = this.#options.definitionBucket;
      if (bucket === undefined)
        throw new PipelineDefinitionTooLargeError(this.name, definitionBytes, INLINE_DEFINITION_LIMIT_BYTES);
      const sha256 = createHash('sha256').update(definition).digest('hex');
      const key = `${this.#options.definitionKeyPrefix ?? ''}${this.name}/definition-${sha256}.json`;
      const s3 = this.#s3 ?? new S3Client({});
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: definition, ContentType: 'application/json' }),
      );
      definitionFields = { PipelineDefinitionS3Location: { Bucket: bucket, ObjectKey: key } };
      definitionS3Uri = `s3://${bucket}/${key}`;
    }
    const parallelism =
      options.parallelism === undefined
        ? {}
        : {
            ParallelismConfiguration: {
              MaxParallelExecutionSteps: check(parallelismSchema, options.parallelism, 'parallelism', this.name),
            },
          };
    const common = {
      PipelineName: this.name,
      RoleArn: options.roleArn,
      ...definitionFields,
      ...(options.description === undefined ? {} : { PipelineDescription: options.description }),
      ...(options.displayName === undefined
        ? {}
        : { PipelineDisplayName: check(displayNameSchema, options.displayName, 'displayName', this.name) }),
      ...parallelism,
    };
    const tags: Tag[] = Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const result = (pipelineArn: string | undefined, created: boolean): UpsertResult => {
      if (pipelineArn === undefined)
        throw new LifecycleError(`pipeline '${this.name}': SageMaker returned no PipelineArn`);
      return { pipelineArn, created, definitionBytes, ...(definitionS3Uri === undefined ? {} : { definitionS3Uri }) };
    };
    try {
      const created = await this.sagemaker.send(
        new CreatePipelineCommand({ ...common, ...(tags.length > 0 ? { Tags: tags } : {}) }),
      );
      return result(created.PipelineArn, true);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    const updated = await this.sagemaker.send(new UpdatePipelineCommand(common));
    if (tags.length > 0 && updated.PipelineArn !== undefined) {
      await this.sagemaker.send(new AddTagsCommand({ ResourceArn: updated.PipelineArn, Tags: tags }));
    }
    return result(updated.PipelineArn, false);
  }

  async describe(): Promise<DescribePipelineCommandOutput> {
    try {
      return await this.sagemaker.send(new DescribePipelineCommand({ PipelineName: this.name }));
    } catch (error) {
      if (isPipelineMissing(error)) throw new PipelineNotFoundError(this.name, { cause: error });
      throw error;
    }
  }

  /**
   * Starts an execution. `parameters` are checked against the pipeline's declared parameters first
   * (PipelineParameterError lists every problem); left-out parameters take their defaults.
   */
  async start(parameters: PipelineParameterValues = {}, options: StartOptions = {}): Promise<PipelineExecution> {
    const pipelineParameters = toPipelineParameters(this.pipeline, parameters);
    const input: ConstructorParameters<typeof StartPipelineExecutionCommand>[0] = {
      PipelineName: this.name,
      ...(pipelineParameters.length > 0 ? { PipelineParameters: pipelineParameters } : {}),
    };
    if (options.clientRequestToken !== undefined)
      input.ClientRequestToken = check(tokenSchema, options.clientRequestToken, 'clientRequestToken', this.name);
    if (options.parallelism !== undefined) {
      input.ParallelismConfiguration = {
        MaxParallelExecutionSteps: check(parallelismSchema, options.parallelism, 'parallelism', this.name),
      };
    }
    if (options.displayName !== undefined)
      input.PipelineExecutionDisplayName = check(displayNameSchema, options.displayName, 'displayName', this.name);
    if (options.description !== undefined) input.PipelineExecutionDescription = options.description;
    if (options.selectedSteps !== undefined) {
      if (options.selectedSteps.length === 0)
        throw new SelectiveExecutionError(this.name, 'selectedSteps is empty: name at least one step');
      const known = stepNames(this.pipeline.definition());
      const unknown = options.selectedSteps.filter((s) => !known.has(s));
      if (unknown.length > 0) {
        throw new SelectiveExecutionError(
          this.name,
          `no step named ${unknown.map((s) => `'${s}'`).join(', ')}; steps: ${[...known].join(', ')}`,
        );
      }
      const source = options.sourceExecutionArn ?? (await this.listExecutions({ limit: 1 }))[0]?.arn;
      if (source === undefined) {
        throw new SelectiveExecutionError(
          this.name,
          'no earlier execution to reuse outputs from: run the whole pipeline once, or pass sourceExecutionArn',
        );
      }
      input.SelectiveExecutionConfig = {
        SourcePipelineExecutionArn: source,
        SelectedSteps: options.selectedSteps.map((StepName) => ({ StepName })),
      };
    }
    let response: StartPipelineExecutionCommandOutput;
    try {
      response = await this.sagemaker.send(new StartPipelineExecutionCommand(input));
    } catch (error) {
      if (isPipelineMissing(error)) throw new PipelineNotFoundError(this.name, { cause: error });
      throw error;
    }
    if (response.PipelineExecutionArn === undefined)
      throw new LifecycleError(`pipeline '${this.name}': SageMaker returned no PipelineExecutionArn`);
    return new PipelineExecution(response.PipelineExecutionArn, this.sagemaker);
  }

  /** An execution by ARN (from listExecutions, or one started elsewhere). */
  execution(arn: string): PipelineExecution {
    return new PipelineExecution(arn, this.sagemaker);
  }

  /** Executions of this pipeline, newest first by default, across every page. */
  async listExecutions(options: ListExecutionsOptions = {}): Promise<ExecutionSummary[]> {
    const out: ExecutionSummary[] = [];
    let nextToken: string | undefined;
    do {
      let page: ListPipelineExecutionsCommandOutput;
      try {
        page = await this.sagemaker.send(
          new ListPipelineExecutionsCommand({
            PipelineName: this.name,
            SortBy: 'CreationTime',
            SortOrder: options.sortOrder ?? 'Descending',
            ...(options.createdAfter === undefined ? {} : { CreatedAfter: options.createdAfter }),
            ...(options.createdBefore === undefined ? {} : { CreatedBefore: options.createdBefore }),
            MaxResults: Math.min(100, options.limit ?? 100),
            NextToken: nextToken,
          }),
        );
      } catch (error) {
        if (isPipelineMissing(error)) throw new PipelineNotFoundError(this.name, { cause: error });
        throw error;
      }
      for (const summary of page.PipelineExecutionSummaries ?? []) {
        out.push(toExecutionSummary(summary));
        if (options.limit !== undefined && out.length >= options.limit) return out;
      }
      nextToken = page.NextToken;
    } while (nextToken !== undefined && nextToken !== '');
    return out;
  }
}

function toExecutionSummary(s: PipelineExecutionSummary): ExecutionSummary {
  return {
    arn: s.PipelineExecutionArn ?? '',
    status: s.PipelineExecutionStatus ?? 'Unknown',
    ...(s.StartTime === undefined ? {} : { startTime: s.StartTime }),
    ...(s.PipelineExecutionDisplayName === undefined ? {} : { displayName: s.PipelineExecutionDisplayName }),
    ...(s.PipelineExecutionDescription === undefined ? {} : { description: s.PipelineExecutionDescription }),
    ...(s.PipelineExecutionFailureReason === undefined || s.PipelineExecutionFailureReason === ''
      ? {}
      : { failureReason: s.PipelineExecutionFailureReason }),
  };
}
