/**
 * AWS Lambda function-URL adapter for the webhook bridge. `handler` builds the bridge from environment variables on
 * its first call; `createLambdaHandler` wraps a bridge you build yourself.
 */
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import { createWebhookBridge, type WebhookAuth, type WebhookBridge } from '../bridge/core.js';
import { BridgeConfigError, RequestBodyTooLargeError } from '../errors.js';
import { errorBody } from '../http-util.js';
import { LabelStudioConnection } from '../label-studio/connection.js';
import { jsonLogger } from '../logger.js';
import { MediaResolver } from '../media.js';
import { safeParse } from '../zod-parse.js';

/** The parts of a Lambda function-URL (payload format 2.0) event the bridge reads. */
export interface FunctionUrlEvent {
  rawPath?: string;
  headers?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

function reply(statusCode: number, body: unknown): FunctionUrlResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** Wraps a bridge as a function-URL handler. `GET /health` answers UP; any POST carries a webhook event. */
export function createLambdaHandler(
  bridge: WebhookBridge | (() => WebhookBridge),
): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  let instance: WebhookBridge | undefined = typeof bridge === 'function' ? undefined : bridge;
  return async (event) => {
    try {
      instance ??= (bridge as () => WebhookBridge)();
      const method = event.requestContext?.http?.method ?? 'POST';
      if (method === 'GET' && (event.rawPath ?? '/').replace(/\/+$/, '').endsWith('/health'))
        return reply(200, { status: 'UP' });
      if (method !== 'POST')
        return reply(405, { status: 405, error: `method ${method} not allowed: Label Studio posts webhook events` });
      const headers = event.headers ?? {};
      instance.authenticate(headers);
      const raw = event.body ?? '';
      const encodedLimit = Math.ceil((instance.maxBodyBytes * 4) / 3) + 4;
      if (raw.length > (event.isBase64Encoded ? encodedLimit : instance.maxBodyBytes))
        throw new RequestBodyTooLargeError(instance.maxBodyBytes);
      const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : raw;
      const { status, body: answer } = await instance.handleRequest({ headers, body });
      return reply(status, answer);
    } catch (error) {
      const { status, body } = errorBody(error);
      return reply(status, body);
    }
  };
}

const optionalString = z.optional(z.string());
const positiveInteger = (message?: string) => z.pipe(z.coerce.number(), z.int(message).check(z.positive(message)));

const envSchema = z.object({
  LAKE_S3_URI: z.string().check(z.startsWith('s3://', 'LAKE_S3_URI must look like s3://bucket/prefix')),
  PIPELINE_NAME: z.string().check(z.minLength(1, 'PIPELINE_NAME is required')),
  ANNOTATION_THRESHOLD: positiveInteger('ANNOTATION_THRESHOLD must be a positive integer'),
  PIPELINE_PARAMETER_NAME: optionalString,
  WEBHOOK_SECRET: z.optional(z.string().check(z.minLength(16, 'WEBHOOK_SECRET must be at least 16 characters'))),
  WEBHOOK_SECRET_HEADER: optionalString,
  WEBHOOK_BASIC_AUTH_USER: optionalString,
  WEBHOOK_BASIC_AUTH_PASS: optionalString,
  LABEL_STUDIO_URL: z.optional(z.url()),
  LABEL_STUDIO_TOKEN: optionalString,
  LABEL_CONFIG: optionalString,
  IMAGE_ALLOWED_HOSTS: optionalString,
  IMAGE_ALLOWED_BUCKETS: optionalString,
  MAX_BODY_BYTES: z.optional(positiveInteger()),
  S3_FORCE_PATH_STYLE: z.optional(z.enum(['true', 'false'])),
});

/** A comma-separated environment variable as a list. */
function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * Builds the bridge from environment variables (LAKE_S3_URI, PIPELINE_NAME, ANNOTATION_THRESHOLD, WEBHOOK_SECRET or
 * WEBHOOK_BASIC_AUTH_USER/PASS, optional LABEL_STUDIO_URL/TOKEN, IMAGE_ALLOWED_HOSTS, IMAGE_ALLOWED_BUCKETS,
 * PIPELINE_PARAMETER_NAME).
 * AWS clients come from the default credential chain.
 */
export function bridgeFromEnv(env: Record<string, string | undefined> = process.env): WebhookBridge {
  const parsed = safeParse(envSchema, env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BridgeConfigError(`environment variable ${String(issue?.path[0])}: ${issue?.message}`);
  }
  const e = parsed.data;
  let auth: WebhookAuth;
  if (e.WEBHOOK_SECRET)
    auth = { sharedSecret: e.WEBHOOK_SECRET, ...(e.WEBHOOK_SECRET_HEADER ? { header: e.WEBHOOK_SECRET_HEADER } : {}) };
  else if (e.WEBHOOK_BASIC_AUTH_USER && e.WEBHOOK_BASIC_AUTH_PASS)
    auth = { basicAuth: { user: e.WEBHOOK_BASIC_AUTH_USER, pass: e.WEBHOOK_BASIC_AUTH_PASS } };
  else
    throw new BridgeConfigError(
      'set WEBHOOK_SECRET (or WEBHOOK_BASIC_AUTH_USER and WEBHOOK_BASIC_AUTH_PASS): the webhook never runs unauthenticated in Lambda',
    );
  const s3 = new S3Client({ forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true' });
  // Built on the first threshold crossing, not at init: most invocations never start a pipeline, and loading the
  // SageMaker client's code is the largest part of a cold start.
  const sagemaker = async () => new (await import('../bridge/sagemaker.js')).SageMakerClient({});
  const labelStudio =
    e.LABEL_STUDIO_URL && e.LABEL_STUDIO_TOKEN
      ? new LabelStudioConnection({ url: e.LABEL_STUDIO_URL, token: e.LABEL_STUDIO_TOKEN })
      : undefined;
  return createWebhookBridge({
    s3,
    sagemaker,
    lake: e.LAKE_S3_URI,
    pipelineName: e.PIPELINE_NAME,
    threshold: e.ANNOTATION_THRESHOLD,
    ...(e.PIPELINE_PARAMETER_NAME ? { pipelineParameterName: e.PIPELINE_PARAMETER_NAME } : {}),
    auth,
    media: new MediaResolver({
      s3,
      ...(labelStudio ? { labelStudio } : {}),
      allowedHosts: list(e.IMAGE_ALLOWED_HOSTS),
      allowedBuckets: list(e.IMAGE_ALLOWED_BUCKETS),
    }),
    ...(labelStudio ? { labelStudio } : {}),
    ...(e.LABEL_CONFIG ? { labelConfig: e.LABEL_CONFIG } : {}),
    ...(e.MAX_BODY_BYTES ? { maxBodyBytes: e.MAX_BODY_BYTES } : {}),
    logger: jsonLogger(),
  });
}

/** The Lambda entry point: configured from the environment on first use. */
export const handler = createLambdaHandler(() => bridgeFromEnv());
