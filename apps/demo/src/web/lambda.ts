import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { Stage } from './contract.js';
import { loadWebAssets } from './bundled-assets.js';
import { createWebHandler, DEFAULT_MAX_IMAGE_BYTES, type WebHandler } from './handler.js';
import { endpointStagePredictor } from './endpoint-predictor.js';

/** The subset of a Lambda function URL event (payload format 2.0) the front-end reads. */
export interface FunctionUrlEvent {
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** Adapts a web handler to a Lambda function URL. */
export function functionUrlAdapter(handler: WebHandler): (event: FunctionUrlEvent) => Promise<FunctionUrlResult> {
  return async (event) => {
    const body = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : new Uint8Array(0);
    const response = await handler({
      method: event.requestContext.http.method,
      path: event.rawPath || '/',
      query: new URLSearchParams(event.rawQueryString ?? ''),
      headers: event.headers ?? {},
      body,
    });
    const binary = typeof response.body !== 'string';
    return {
      statusCode: response.status,
      headers: response.headers,
      body: binary ? Buffer.from(response.body).toString('base64') : (response.body as string),
      isBase64Encoded: binary,
    };
  };
}

export interface FunctionUrlHandlerOptions {
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  endpoints: Record<Stage, string>;
  maxImageBytes?: number;
}

/** A function-URL handler over the given clients (the exported `handler` builds them from the environment). */
export async function createFunctionUrlHandler(
  options: FunctionUrlHandlerOptions,
): Promise<(event: FunctionUrlEvent) => Promise<FunctionUrlResult>> {
  const predictor = endpointStagePredictor(options);
  const log = (entry: Record<string, unknown>) => console.log(JSON.stringify(entry));
  return functionUrlAdapter(
    createWebHandler({
      predictor,
      assets: await loadWebAssets(),
      maxImageBytes: options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES,
      log,
    }),
  );
}

let cached: Promise<(event: FunctionUrlEvent) => Promise<FunctionUrlResult>> | undefined;

/**
 * The Lambda entry point. Configuration comes from the environment: STAGING_ENDPOINT_NAME,
 * PROD_ENDPOINT_NAME, optional MAX_IMAGE_BYTES; AWS clients come from the function's role.
 * Clients and assets are built once per container, at the first request.
 */
export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  cached ??= createFunctionUrlHandler({
    sagemaker: new SageMakerClient({}),
    runtime: new SageMakerRuntimeClient({}),
    endpoints: {
      staging: process.env['STAGING_ENDPOINT_NAME'] ?? 'sagemaker-mlops-demo-staging',
      prod: process.env['PROD_ENDPOINT_NAME'] ?? 'sagemaker-mlops-demo-prod',
    },
    maxImageBytes: Number(process.env['MAX_IMAGE_BYTES'] ?? DEFAULT_MAX_IMAGE_BYTES),
  });
  return (await cached)(event);
}
