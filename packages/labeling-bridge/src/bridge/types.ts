import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { LabelStudioConnection } from '../label-studio/connection.js';
import type { Logger } from '../logger.js';
import type { MediaResolver } from '../media.js';

/** How the webhook authenticates Label Studio. Label Studio sends the configured webhook `headers` verbatim. */
export type WebhookAuth =
  | { sharedSecret: string; header?: string }
  | { basicAuth: { user: string; pass: string } }
  | { unauthenticated: true };

export interface WebhookBridgeOptions {
  s3: S3Client;
  /**
   * The client that starts pipeline runs, or a function that builds it on the first threshold crossing (the Lambda
   * bundle passes one so a cold start does not load the SageMaker client, which most invocations never use).
   */
  sagemaker: SageMakerClient | (() => SageMakerClient | Promise<SageMakerClient>);
  /** The data lake, `s3://bucket/prefix`: images go to `<lake>/annotated/<label>/<task-id>-<file>`. */
  lake: string;
  /** The pipeline started when the threshold is crossed. */
  pipelineName: string;
  /** New annotations per pipeline run (a crossing every `threshold` annotations). */
  threshold: number;
  /** Pipeline parameter that receives the lake URI (default `DataLakeS3Uri`). */
  pipelineParameterName?: string;
  /** Further fixed pipeline parameters. */
  pipelineParameters?: Record<string, string>;
  auth: WebhookAuth;
  /** Reads images that are not already in S3 (Label Studio uploads, allow-listed http(s)). */
  media: MediaResolver;
  /** Label Studio, to read a project's label config when the event carries none, and for `sync`. */
  labelStudio?: LabelStudioConnection;
  /** Pins the label config instead of trusting the one in each event. */
  labelConfig?: string;
  /** Largest webhook body, bytes (default 5 MiB; a Lambda function URL accepts 6 MB). */
  maxBodyBytes?: number;
  /** Log class counts after each change to the lake (default true), as the seed's CloudWatch logs do. */
  logClassCounts?: boolean;
  /**
   * How often the lake is listed for those counts (default 60 s for annotations, 5 min for the raw zips); in
   * between, this process's own changes are applied, so an event never pays a LIST of the whole lake.
   */
  classCountsRefreshMs?: number;
  /**
   * How long a batch claim whose owner has not recorded the start is left to it (default 5 min); after that, or after
   * a crash, the next crossing check takes it over with the same ClientRequestToken. Set 0 for a backfill that runs
   * while no other bridge process is starting pipelines.
   */
  claimLeaseMs?: number;
  logger?: Logger;
  now?: () => Date;
}

/** What the lake holds about one annotation, next to the image (`<lake>/annotations/<project>/<annotation>.json`). */
export interface AnnotationRecord {
  annotationId: number;
  taskId: number;
  projectId: number;
  label: string;
  /** Key of the image in the lake bucket. */
  imageKey: string;
  /** Where the image came from (credentials and tokens redacted). */
  sourceImage: string;
  completedBy: unknown;
  /** `model` when the annotation was made from a prediction without change (auto-label), else `human`. */
  madeBy: 'human' | 'model';
  createdAt: string | null;
  updatedAt: string | null;
  recordedAt: string;
  action: string;
  deletedAt?: string;
}

export type AnnotationOutcome = 'written' | 'moved' | 'unchanged' | 'stale' | 'skipped' | 'deleted';

export interface EventResult {
  status: 'ok' | 'ignored';
  action: string;
  annotations: Array<{
    annotationId: number;
    outcome: AnnotationOutcome;
    imageKey?: string;
    reason?: string;
    /** The annotation's position in the project's count (set once it is counted, whichever delivery did it). */
    position?: number;
    /** True on the delivery that counted the annotation for the first time. */
    counted?: true;
  }>;
  /** Batches whose pipeline execution this event started. */
  started: Array<{ batchId: string; executionArn: string }>;
}

/** One annotation's entry of an EventResult. */
export type AnnotationResult = EventResult['annotations'][number];
