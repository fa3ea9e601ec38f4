import { join } from 'node:path';
import {
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  DescribeTransformJobCommand,
  type DescribeTransformJobCommandOutput,
  type DescribeTransformJobResponse,
  ListTransformJobsCommand,
  ResourceInUse,
  StopTransformJobCommand,
} from '@aws-sdk/client-sagemaker';
import { now, sortItems, timeFilter } from './listing.js';
import type { LocalContext } from './context.js';
import type { CommandTable } from './dispatch.js';
import type { EndpointManager } from './endpoints.js';
import { metadata, missingJob, validationException } from './errors.js';
import { parseS3Uri } from './s3.js';
import { described, OWNER, ownerAlive, ResourceStore } from './store.js';
import { Worker } from './worker.js';

type TransformJob = DescribeTransformJobResponse & { [OWNER]?: number };

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const MB = 1024 * 1024;

/**
 * Batch transform: the model's inference code is served by one local model server (the same serve.py as
 * endpoints), each input object is split into records (SplitType), records are sent one per request or packed
 * up to MaxPayloadInMB (BatchStrategy), and the responses are joined (AssembleWith) into <object>.out under
 * S3OutputPath, as SageMaker batch transform does.
 */
export class TransformRunner {
  readonly jobs: ResourceStore<TransformJob>;
  private readonly running = new Map<string, { done: Promise<TransformJob>; stop: () => void }>();

  constructor(
    private readonly ctx: LocalContext,
    private readonly endpoints: EndpointManager,
  ) {
    this.jobs = new ResourceStore(ctx.stateDir, 'transform-jobs', { ownedWhileRunning: true });
  }

  async recover(): Promise<void> {
    for (const job of await this.jobs.list()) {
      if (job.TransformJobStatus === 'InProgress' && !ownerAlive(job)) {
        await this.jobs.update(job.TransformJobName as string, (j) => ({
          ...(j as TransformJob),
          TransformJobStatus: 'Failed',
          FailureReason: 'Local mode stopped while the transform job was running; start it again.',
          TransformEndTime: new Date(now()),
        }));
      }
    }
  }

  async close(): Promise<void> {
    for (const run of this.running.values()) run.stop();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** Resolves with the job's record once it has ended. */
  async wait(name: string): Promise<TransformJob> {
    const run = this.running.get(name);
    if (run) return run.done;
    const job = await this.jobs.get(name);
    if (!job) throw notFound(name);
    return job;
  }

  async create(input: CreateTransformJobCommandInput): Promise<string> {
    const name = input.TransformJobName ?? '';
    if (!NAME.test(name))
      throw validationException(`CreateTransformJob: TransformJobName "${name}" must match ${NAME.source}.`);
    if (!input.ModelName) throw validationException(`CreateTransformJob ${name}: ModelName is required.`);
    const source = input.TransformInput?.DataSource?.S3DataSource;
    if (!source?.S3Uri)
      throw validationException(
        `CreateTransformJob ${name}: TransformInput.DataSource.S3DataSource.S3Uri is required.`,
      );
    if (source.S3DataType === 'ManifestFile')
      throw validationException(`CreateTransformJob ${name}: ManifestFile inputs are not supported in local mode.`);
    if (!input.TransformOutput?.S3OutputPath)
      throw validationException(`CreateTransformJob ${name}: TransformOutput.S3OutputPath is required.`);
    const split = input.TransformInput?.SplitType ?? 'None';
    if (split !== 'None' && split !== 'Line')
      throw validationException(
        `CreateTransformJob ${name}: SplitType ${split} is not supported in local mode (use None or Line).`,
      );
    if (input.TransformInput?.CompressionType && input.TransformInput.CompressionType !== 'None')
      throw validationException(`CreateTransformJob ${name}: CompressionType Gzip is not supported in local mode.`);
    if (input.DataProcessing?.InputFilter || input.DataProcessing?.OutputFilter || input.DataProcessing?.JoinSource)
      throw validationException(`CreateTransformJob ${name}: DataProcessing filters are not supported in local mode.`);
    // The model must exist now, as on AWS.
    await this.endpoints.prepareModel(input.ModelName);
    const arn = this.ctx.arn('transform-job', name);
    const created = new Date(now());
    await this.jobs.update(name, (current) => {
      if (current)
        throw new ResourceInUse({ $metadata: metadata(400), message: `Transform job ${name} already exists.` });
      const { Tags: _tags, ...request } = input;
      return {
        ...(request as DescribeTransformJobResponse),
        [OWNER]: process.pid,
        TransformJobName: name,
        TransformJobArn: arn,
        TransformJobStatus: 'InProgress',
        CreationTime: created,
        TransformStartTime: created,
      };
    });
    let stopRequested = false;
    let stopWorker: (() => void) | undefined;
    const done = this.run(name, input, (stop) => {
      stopWorker = stop;
      return () => stopRequested;
    }).finally(() => this.running.delete(name));
    this.running.set(name, {
      done,
      stop: () => {
        stopRequested = true;
        stopWorker?.();
      },
    });
    return arn;
  }

  private async run(
    name: string,
    input: CreateTransformJobCommandInput,
    onWorker: (stop: () => void) => () => boolean,
  ): Promise<TransformJob> {
    let worker: Worker | undefined;
    const finish = (patch: Partial<TransformJob>) =>
      this.jobs.update(name, (j) => ({ ...(j as TransformJob), ...patch, TransformEndTime: new Date(now()) }));
    try {
      const model = await this.endpoints.prepareModel(input.ModelName as string);
      const env = { ...model.env, ...(input.Environment ?? {}) };
      worker = await Worker.start(this.ctx, {
        python: model.python,
        modelDir: model.modelDir,
        env,
        endpoint: `transform/${name}`,
        logFile: join(this.ctx.stateDir, 'jobs', 'transform', name, 'model-server.log'),
      });
      const started = worker;
      const stopped = onWorker(() => void started.stop());
      const inputUri = input.TransformInput?.DataSource?.S3DataSource?.S3Uri as string;
      const outputBase = String(input.TransformOutput?.S3OutputPath).replace(/\/$/, '');
      const objects = await this.objectsUnder(inputUri);
      if (objects.length === 0) throw new Error(`ClientError: no objects under ${inputUri}.`);
      for (const object of objects) {
        if (stopped()) return finish({ TransformJobStatus: 'Stopped' });
        const bytes = await this.ctx.s3.read(object.bucket, object.key);
        const responses: Buffer[] = [];
        for (const request of batches(bytes, input)) {
          const response = await worker.invoke(request, {
            'Content-Type': input.TransformInput?.ContentType ?? 'application/octet-stream',
            ...(input.TransformOutput?.Accept ? { Accept: input.TransformOutput.Accept } : {}),
          });
          if (response.status < 200 || response.status >= 300)
            throw new Error(
              `ClientError: the model server answered ${response.status} for s3://${object.bucket}/${object.key}: ${response.body.toString('utf8').slice(0, 500)}`,
            );
          responses.push(response.body);
        }
        const assembled =
          input.TransformOutput?.AssembleWith === 'Line'
            ? Buffer.concat(responses.flatMap((r) => (r.at(-1) === 10 ? [r] : [r, Buffer.from('\n')])))
            : Buffer.concat(responses);
        const target = parseS3Uri(`${outputBase}/${object.relative}.out`);
        await this.ctx.s3.put(target.bucket, target.key, assembled, {
          contentType: input.TransformOutput?.Accept ?? 'application/octet-stream',
        });
      }
      return finish({ TransformJobStatus: 'Completed' });
    } catch (error) {
      const reason = (error as Error).message;
      this.ctx.log('pipeline', `transform/${name}`, 'progress', `transform job ${name} failed: ${reason}`);
      const tail = worker?.logTail(15);
      return finish({
        TransformJobStatus: 'Failed',
        FailureReason: tail ? `${reason}\nLast lines of the model server log:\n${tail}` : reason,
      });
    } finally {
      await worker?.stop();
    }
  }

  /** The objects an S3Prefix (or single object) URI names, with their path relative to it. */
  private async objectsUnder(uri: string): Promise<{ bucket: string; key: string; relative: string }[]> {
    const { bucket, key } = parseS3Uri(uri);
    if (key && !key.endsWith('/') && (await this.ctx.s3.stat(bucket, key)))
      return [{ bucket, key, relative: key.split('/').pop() as string }];
    // Outputs keep the objects' paths below the input prefix (s3://b/in + in/sub/a.csv -> <output>/sub/a.csv.out).
    const keys = await this.ctx.s3.keys(bucket, key);
    return keys.map((k) => {
      const rest = k.slice(key.length);
      const below = key === '' || key.endsWith('/') ? rest : rest.startsWith('/') ? rest.slice(1) : undefined;
      return { bucket, key: k, relative: below || (k.split('/').pop() as string) };
    });
  }

  register(table: CommandTable): void {
    table.on(CreateTransformJobCommand, async (input) => ({
      $metadata: metadata(200),
      TransformJobArn: await this.create(input),
    }));
    table.on(DescribeTransformJobCommand, async (input) => {
      const job = await this.jobs.get(input.TransformJobName ?? '');
      if (!job) throw notFound(input.TransformJobName ?? '');
      return described<DescribeTransformJobCommandOutput>(job);
    });
    table.on(StopTransformJobCommand, async (input) => {
      const name = input.TransformJobName ?? '';
      const job = await this.jobs.get(name);
      if (!job) throw notFound(name);
      this.running.get(name)?.stop();
      return { $metadata: metadata(200) };
    });
    table.on(ListTransformJobsCommand, async (input) => {
      let jobs = await this.jobs.list();
      if (input.NameContains) jobs = jobs.filter((j) => String(j.TransformJobName).includes(input.NameContains ?? ''));
      if (input.StatusEquals) jobs = jobs.filter((j) => j.TransformJobStatus === input.StatusEquals);
      const sorted = sortItems(timeFilter(jobs, input), input, 'TransformJobName');
      return {
        $metadata: metadata(200),
        TransformJobSummaries: sorted.map((j) => ({
          TransformJobName: j.TransformJobName,
          TransformJobArn: j.TransformJobArn,
          CreationTime: new Date(j.CreationTime as Date),
          TransformEndTime: j.TransformEndTime ? new Date(j.TransformEndTime) : undefined,
          TransformJobStatus: j.TransformJobStatus,
          FailureReason: j.FailureReason,
        })),
      };
    });
  }
}

function notFound(name: string) {
  return missingJob('transform', name);
}

/**
 * The request bodies for one input object: the whole object (SplitType None), else its records (lines), one per
 * request (BatchStrategy SingleRecord) or as many as fit in MaxPayloadInMB per request (MultiRecord, the default
 * when splitting).
 */
export function* batches(bytes: Buffer, input: CreateTransformJobCommandInput): Generator<Buffer> {
  const split = input.TransformInput?.SplitType ?? 'None';
  if (split === 'None') {
    yield bytes;
    return;
  }
  const records = bytes
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => Buffer.from(`${line}\n`));
  if (input.BatchStrategy === 'SingleRecord') {
    for (const record of records) yield record.subarray(0, record.length - 1);
    return;
  }
  const limit = (input.MaxPayloadInMB ?? 6) * MB;
  let batch: Buffer[] = [];
  let size = 0;
  for (const record of records) {
    if (batch.length > 0 && size + record.length > limit) {
      yield Buffer.concat(batch);
      batch = [];
      size = 0;
    }
    batch.push(record);
    size += record.length;
  }
  if (batch.length > 0) yield Buffer.concat(batch);
}
