import { BridgeConfigError, UnauthorizedError } from '../errors.js';
import { authorizationCredentials, basicAuthMatches, safeEqual } from '../http-util.js';
import type { WebhookAuth } from './types.js';

/** Refuses a missing auth option and a shared secret short enough to guess; the webhook never runs open by accident. */
export function assertWebhookAuth(value: WebhookAuth | undefined): void {
  const auth = value as
    | Partial<{ sharedSecret: string; basicAuth: { user: string; pass: string }; unauthenticated: true }>
    | undefined;
  if (!auth || (!auth.sharedSecret && !auth.basicAuth && auth.unauthenticated !== true)) {
    throw new BridgeConfigError(
      'auth is required: { sharedSecret } or { basicAuth }, or { unauthenticated: true } for a local test',
    );
  }
  if (auth.sharedSecret !== undefined && auth.sharedSecret.length < 16) {
    throw new BridgeConfigError('auth.sharedSecret must be at least 16 characters');
  }
}

/** Checks a request's credentials against `auth`; throws UnauthorizedError. Header names match case-insensitively. */
export function checkWebhookAuth(auth: WebhookAuth, headers: Record<string, string | undefined>): void {
  const get = (name: string) =>
    headers[name] ??
    headers[name.toLowerCase()] ??
    Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  if ('unauthenticated' in auth) return;
  if ('basicAuth' in auth) {
    if (!basicAuthMatches(get('authorization'), auth.basicAuth.user, auth.basicAuth.pass)) {
      throw new UnauthorizedError('basic auth required: add an Authorization header to the webhook in Label Studio');
    }
    return;
  }
  const header = auth.header ?? 'x-labeling-bridge-secret';
  // The Authorization header counts only with its scheme (`Bearer`, any case): a bare secret there is refused.
  const given = get(header) ?? authorizationCredentials(get('authorization'), 'bearer');
  if (given === undefined || !safeEqual(given, auth.sharedSecret)) {
    throw new UnauthorizedError(
      `missing or wrong shared secret: send it in the ${header} header (or Authorization: Bearer …)`,
    );
  }
}
