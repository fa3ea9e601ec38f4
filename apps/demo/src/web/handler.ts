import { z } from 'zod';
import {
  ACCEPTED_IMAGE_TYPES,
  STAGES,
  type ConfigResponse,
  type ErrorResponse,
  type PredictionResponse,
  type Stage,
  type StageStatus,
} from './contract.js';
import {
  EmptyUploadError,
  EndpointUnavailableError,
  ImageTooLargeError,
  UnknownStageError,
  UnsupportedImageError,
  WebFrontEndError,
} from './errors.js';
import { describeContent, sniffImageType } from './image-type.js';
import type { ModelReview } from './models/review.js';
import { routeModels } from './models/routes.js';
import type { StagePredictor } from './predictor.js';

/** A transport-neutral request: the node:http server and the Lambda function URL both map onto it. */
export interface WebRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: Uint8Array;
}

export interface WebResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** The static files of the page, by URL path (`/index.html`, `/app.js`, `/style.css`). */
export type WebAssets = Record<string, { contentType: string; body: string }>;

/** Serverless endpoints take at most 4 MB per request; real-time 6 MB. The smaller is the safe default. */
export const DEFAULT_MAX_IMAGE_BYTES = 4 * 1024 * 1024;

export interface WebHandlerOptions {
  predictor: StagePredictor;
  assets: WebAssets;
  maxImageBytes?: number;
  /** Structured log lines (one JSON object each); no image bytes and no credentials are logged. */
  log?: (entry: Record<string, unknown>) => void;
  /** The models page's review and deployment service; without it `/api/models` answers 404 REVIEW_UNAVAILABLE. */
  models?: ModelReview;
}

const predictQuery = z.object({
  stage: z.string().default('auto'),
  explain: z.enum(['0', '1', 'true', 'false']).default('0'),
  name: z.string().max(255).default('upload'),
});

export type WebHandler = (request: WebRequest) => Promise<WebResponse>;

export function createWebHandler(options: WebHandlerOptions): WebHandler {
  const maxImageBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const log = options.log ?? (() => {});

  async function config(): Promise<ConfigResponse> {
    return { maxImageBytes, acceptedTypes: ACCEPTED_IMAGE_TYPES, stages: await options.predictor.describeStages() };
  }

  async function predict(request: WebRequest): Promise<PredictionResponse> {
    const query = predictQuery.parse(Object.fromEntries(request.query));
    const fileName = query.name;
    const declaredLength = Number(request.headers['content-length'] ?? Number.NaN);
    const size = Number.isFinite(declaredLength) ? Math.max(declaredLength, request.body.length) : request.body.length;
    if (size > maxImageBytes) throw new ImageTooLargeError(fileName, size, maxImageBytes);
    if (request.body.length === 0) throw new EmptyUploadError(fileName);
    const imageType = sniffImageType(request.body);
    if (!imageType) {
      throw new UnsupportedImageError(fileName, describeContent(request.body, request.headers['content-type']));
    }
    const stage = await chooseStage(query.stage);
    const explain = query.explain === '1' || query.explain === 'true';
    const started = performance.now();
    const prediction = await options.predictor.predict(stage.stage, request.body, imageType, { explain });
    const latencyMs = Math.round(performance.now() - started);
    log({ event: 'prediction', stage: stage.stage, endpoint: stage.endpointName, label: prediction.label, latencyMs });
    const response: PredictionResponse = {
      fileName,
      label: prediction.label,
      probabilities: Object.entries(prediction.probabilities)
        .map(([label, probability]) => ({ label, probability }))
        .sort((a, b) => b.probability - a.probability),
      modelVersion: prediction.modelVersion,
      stage: stage.stage,
      endpointName: stage.endpointName,
      latencyMs,
    };
    if (prediction.heatmap) response.heatmap = prediction.heatmap;
    else if (explain) response.heatmapUnavailable = 'This endpoint does not return Grad-CAM explanations.';
    return response;
  }

  /** `auto` prefers prod and falls back to staging, so the page works right after a staging deploy. */
  async function chooseStage(requested: string): Promise<StageStatus> {
    if (requested !== 'auto' && !STAGES.includes(requested as Stage)) throw new UnknownStageError(requested);
    const stages = await options.predictor.describeStages();
    if (requested !== 'auto') {
      const stage = stages.find((s) => s.stage === requested);
      if (!stage) throw new UnknownStageError(requested);
      if (stage.status !== 'InService') {
        throw new EndpointUnavailableError(
          `The ${stage.stage} endpoint "${stage.endpointName}" is ${stage.status === 'NotDeployed' ? 'not deployed' : `not in service (${stage.status})`}. Deploy it with \`npm run demo -- deploy ${stage.stage}\`.`,
          stage.stage,
          stage.endpointName,
        );
      }
      return stage;
    }
    const inService = ['prod', 'staging'].map((name) =>
      stages.find((s) => s.stage === name && s.status === 'InService'),
    );
    const chosen = inService.find((s) => s !== undefined);
    if (!chosen) {
      const summary = stages
        .map((s) => `${s.stage} "${s.endpointName}": ${s.status === 'NotDeployed' ? 'not deployed' : s.status}`)
        .join(', ');
      throw new EndpointUnavailableError(
        `No endpoint is in service (${summary}). Deploy one with \`npm run demo -- deploy staging\`.`,
        undefined,
        undefined,
      );
    }
    return chosen;
  }

  return async (request) => {
    try {
      if (request.path.startsWith('/api/')) {
        if (request.path === '/api/config' && request.method === 'GET') return json(200, await config());
        if (request.path.startsWith('/api/models')) {
          const result = await routeModels(options.models, request);
          if (result?.kind === 'png') {
            return { status: 200, headers: { 'content-type': 'image/png', ...SECURITY_HEADERS }, body: result.body };
          }
          if (result) {
            if (request.method === 'POST') log({ event: 'model_review', path: request.path, status: result.status });
            return json(result.status, result.value);
          }
        }
        if (request.path === '/api/predict') {
          if (request.method !== 'POST')
            return errorResponse(405, 'METHOD_NOT_ALLOWED', 'Use POST with the image as the request body.');
          return json(200, await predict(request));
        }
        return errorResponse(404, 'NOT_FOUND', `No API route ${request.method} ${request.path}.`);
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return errorResponse(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${request.path}.`);
      }
      const asset = options.assets[PAGE_ALIASES[request.path] ?? request.path];
      if (!asset) return errorResponse(404, 'NOT_FOUND', `No page at ${request.path}.`);
      return {
        status: 200,
        headers: { 'content-type': asset.contentType, 'cache-control': 'no-cache', ...SECURITY_HEADERS },
        body: request.method === 'HEAD' ? '' : asset.body,
      };
    } catch (error) {
      if (error instanceof WebFrontEndError) {
        log({ event: 'request_failed', path: request.path, code: error.code, message: error.message });
        const body: ErrorResponse = { error: { code: error.code, message: error.message } };
        if (error instanceof EndpointUnavailableError) {
          if (error.stage) body.error.stage = error.stage;
          if (error.endpointName) body.error.endpointName = error.endpointName;
        }
        return json(error.httpStatus, body);
      }
      if (error instanceof z.ZodError) {
        return errorResponse(400, 'BAD_REQUEST', `Bad request: ${z.prettifyError(error)}`);
      }
      log({ event: 'request_failed', path: request.path, code: 'INTERNAL', message: String(error) });
      return errorResponse(
        500,
        'INTERNAL',
        `The server failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
}

const PAGE_ALIASES: Record<string, string> = { '/': '/index.html', '/models': '/models.html' };

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
};

function json(status: number, value: unknown): WebResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS },
    body: JSON.stringify(value),
  };
}

function errorResponse(status: number, code: ErrorResponse['error']['code'], message: string): WebResponse {
  return json(status, { error: { code, message } } satisfies ErrorResponse);
}
