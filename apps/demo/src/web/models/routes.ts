import { z } from 'zod';
import { STAGES } from '../contract.js';
import { JsonBodyRequiredError, ModelReviewUnavailableError } from '../errors.js';
import type { WebRequest } from '../handler.js';
import {
  APPROVAL_DECISIONS,
  type DeployOperation,
  MAX_COMMENT_CHARS,
  type ModelsResponse,
  REPORT_IMAGE_NAME,
  REPORT_IMAGE_PARTS,
} from './contract.js';
import type { ModelReview } from './review.js';

/** What a models route answers: JSON, or a report image. */
export type ModelsRouteResult =
  | { kind: 'json'; status: number; value: ModelsResponse | DeployOperation | { ok: true } }
  | { kind: 'png'; body: Uint8Array };

const versionParam = z.coerce.number().int().positive();
const approvalBody = z
  .object({
    decision: z.enum(APPROVAL_DECISIONS),
    comment: z
      .string()
      .trim()
      .min(1, 'say why: the comment is the approval description reviewers read later')
      .max(MAX_COMMENT_CHARS),
  })
  .strict();
const deployBody = z.object({ stage: z.enum(STAGES as ['staging', 'prod']) }).strict();
const imageParams = z.object({ part: z.enum(REPORT_IMAGE_PARTS), file: z.string().regex(REPORT_IMAGE_NAME) });

const ROUTE = /^\/api\/models(?:\/([^/]+)(?:\/(approval|deploy|reports\/([^/]+)\/([^/]+)))?)?$/;

/**
 * `/api/models` routes; undefined for a path that is not one (the handler answers 404).
 * Every parameter and body is checked with zod; a bad one is a ZodError (400 from the handler).
 */
export async function routeModels(
  review: ModelReview | undefined,
  request: WebRequest,
): Promise<ModelsRouteResult | undefined> {
  const match = ROUTE.exec(request.path);
  if (!match) return undefined;
  if (!review) throw new ModelReviewUnavailableError();
  const [, rawVersion, action, part, file] = match;
  if (rawVersion === undefined) {
    return request.method === 'GET' ? { kind: 'json', status: 200, value: await review.list() } : undefined;
  }
  const version = versionParam.parse(decodeURIComponent(rawVersion));
  if (action === 'approval' && request.method === 'POST') {
    const body = approvalBody.parse(jsonBody(request));
    await review.decide(version, body.decision, body.comment);
    return { kind: 'json', status: 200, value: { ok: true } };
  }
  if (action === 'deploy' && request.method === 'POST') {
    const body = deployBody.parse(jsonBody(request));
    return { kind: 'json', status: 202, value: await review.startDeploy(version, body.stage) };
  }
  if (part !== undefined && file !== undefined && request.method === 'GET') {
    const params = imageParams.parse({ part: decodeURIComponent(part), file: decodeURIComponent(file) });
    return { kind: 'png', body: await review.reportImage(version, params.part, params.file) };
  }
  return undefined;
}

/** Writes take JSON only: a cross-site HTML form cannot send application/json without a CORS preflight. */
function jsonBody(request: WebRequest): unknown {
  const contentType = request.headers['content-type'];
  if (!contentType || !/^application\/json\s*(;|$)/i.test(contentType)) throw new JsonBodyRequiredError(contentType);
  try {
    return JSON.parse(new TextDecoder().decode(request.body)) as unknown;
  } catch (error) {
    throw new z.ZodError([
      { code: 'custom', path: [], message: `the body is not JSON: ${(error as Error).message}`, input: undefined },
    ]);
  }
}
