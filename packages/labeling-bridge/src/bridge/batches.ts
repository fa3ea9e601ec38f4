import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { createHash } from 'node:crypto';
import { PipelineStartError } from '../errors.js';
import type { Logger } from '../logger.js';
import { getJson, type KeyedMutex, lakeKey, putJson, type Lake } from './lake.js';
import type { WebhookBridgeOptions } from './types.js';

/** The claim of one crossing, `_bridge/<project>/batches/<k>.json`: who is starting it and how far they got. */
interface BatchClaim {
  batchId: string;
  batch: number;
  projectId: number;
  threshold: number;
  status: 'claimed' | 'started' | 'start-failed';
  claimedAt: string;
  executionArn?: string;
  error?: string;
}

type BatchOptions = Pick<
  WebhookBridgeOptions,
  'sagemaker' | 'pipelineName' | 'threshold' | 'pipelineParameterName' | 'pipelineParameters' | 'claimLeaseMs' | 'now'
>;

/**
 * Starts one pipeline execution per threshold crossing, exactly once across processes: a conditional write claims the
 * crossing, the crossing's stable id is the ClientRequestToken, and a claim whose owner died is taken over after
 * `claimLeaseMs`.
 */
export class BatchStarter {
  readonly #s3: S3Client;
  readonly #o: BatchOptions;
  /** Batches known started, so a crossing check costs no S3 call; a cache, so it is emptied when it grows large. */
  readonly #doneBatches = new Set<string>();
  #sagemaker: Promise<SageMakerClient> | undefined;

  constructor(
    s3: S3Client,
    private readonly lake: Lake,
    private readonly mutex: KeyedMutex,
    options: BatchOptions,
    private readonly log: Logger,
  ) {
    this.#s3 = s3;
    this.#o = options;
  }

  /** The stable id of the k-th crossing of a project; also the ClientRequestToken (32–128 characters). */
  batchId(projectId: number, batch: number): string {
    const hash = createHash('sha256')
      .update(`${this.lake.uri}|${this.#o.pipelineName}|${projectId}|${batch}`)
      .digest('hex')
      .slice(0, 32);
    return `lsb-p${projectId}-b${batch}-${hash}`;
  }

  /** The injected client, or the one its factory builds (once; a failed build is retried at the next crossing). */
  #sagemakerClient(): Promise<SageMakerClient> {
    const given = this.#o.sagemaker;
    if (typeof given !== 'function') return Promise.resolve(given);
    this.#sagemaker ??= Promise.resolve()
      .then(given)
      .catch((error: unknown) => {
        this.#sagemaker = undefined;
        throw error;
      });
    return this.#sagemaker;
  }

  /** Starts every crossing up to `due` that this process does not know started; `count` is logged with it. */
  async startDue(
    projectId: number,
    due: number,
    count: number,
  ): Promise<Array<{ batchId: string; executionArn: string }>> {
    const started: Array<{ batchId: string; executionArn: string }> = [];
    for (let batch = 1; batch <= due; batch++) {
      if (this.#doneBatches.has(`${projectId}/${batch}`)) continue;
      const outcome = await this.#startBatch(projectId, batch, count);
      if (outcome) started.push(outcome);
    }
    return started;
  }

  async #startBatch(
    projectId: number,
    batch: number,
    count: number,
  ): Promise<{ batchId: string; executionArn: string } | undefined> {
    const key = lakeKey(this.lake, '_bridge', projectId, 'batches', `${batch}.json`);
    const batchId = this.batchId(projectId, batch);
    return this.mutex.run(key, async () => {
      if (this.#doneBatches.has(`${projectId}/${batch}`)) return undefined;
      const now = (this.#o.now?.() ?? new Date()).toISOString();
      let claim: BatchClaim = {
        batchId,
        batch,
        projectId,
        threshold: this.#o.threshold,
        status: 'claimed',
        claimedAt: now,
      };
      if (!(await putJson(this.#s3, this.lake.bucket, key, claim, { ifNoneMatch: true }))) {
        const existing = await getJson<BatchClaim>(this.#s3, this.lake.bucket, key);
        if (!existing) return undefined;
        const stuck =
          existing.value.status === 'claimed' &&
          Date.now() - Date.parse(existing.value.claimedAt) >= (this.#o.claimLeaseMs ?? 5 * 60_000);
        if (existing.value.status === 'started' || (existing.value.status === 'claimed' && !stuck)) {
          if (existing.value.status === 'started') this.#doneBatches.add(`${projectId}/${batch}`);
          return undefined;
        }
        // A claim whose start failed (or whose owner died): take it over; the same ClientRequestToken keeps it idempotent.
        claim = { ...existing.value, status: 'claimed', claimedAt: now };
        if (!(await putJson(this.#s3, this.lake.bucket, key, claim, existing.etag ? { ifMatch: existing.etag } : {})))
          return undefined;
      }
      try {
        const parameters = [
          { Name: this.#o.pipelineParameterName ?? 'DataLakeS3Uri', Value: this.lake.uri },
          ...Object.entries(this.#o.pipelineParameters ?? {}).map(([Name, Value]) => ({ Name, Value })),
        ];
        // Loaded here, not at module scope: only a threshold crossing needs the SageMaker client's code.
        const { StartPipelineExecutionCommand } = await import('./sagemaker.js');
        const sagemaker = await this.#sagemakerClient();
        const response = await sagemaker.send(
          new StartPipelineExecutionCommand({
            PipelineName: this.#o.pipelineName,
            ClientRequestToken: batchId,
            PipelineExecutionDisplayName: `labeling-p${projectId}-b${batch}`,
            PipelineExecutionDescription: `Label Studio project ${projectId}: ${batch * this.#o.threshold} annotations (batch ${batch})`,
            PipelineParameters: parameters,
          }),
        );
        const executionArn = response.PipelineExecutionArn ?? '';
        await putJson(this.#s3, this.lake.bucket, key, { ...claim, status: 'started', executionArn });
        if (this.#doneBatches.size >= 100_000) this.#doneBatches.clear();
        this.#doneBatches.add(`${projectId}/${batch}`);
        this.log.info('pipeline started', {
          projectId,
          batch,
          batchId,
          annotations: count,
          pipeline: this.#o.pipelineName,
          executionArn,
        });
        return { batchId, executionArn };
      } catch (error) {
        const message = `${(error as Error).name}: ${(error as Error).message}`;
        await putJson(this.#s3, this.lake.bucket, key, { ...claim, status: 'start-failed', error: message }).catch(
          () => undefined,
        );
        throw new PipelineStartError(this.#o.pipelineName, batch, error);
      }
    });
  }
}
