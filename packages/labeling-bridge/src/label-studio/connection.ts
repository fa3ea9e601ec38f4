import { BridgeConfigError, LabelStudioApiError } from '../errors.js';

export interface LabelStudioConnectionOptions {
  /** Base URL of Label Studio, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /**
   * An API token: a legacy token (sent as `Token <key>`) or a personal access token, a JWT refresh token that is
   * exchanged at `/api/token/refresh/` for short-lived access tokens (sent as `Bearer <access>`).
   */
  token: string;
  /** Request timeout, ms (default 30 s). */
  timeoutMs?: number;
}

function jwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const json = Buffer.from(parts[1] ?? '', 'base64url').toString('utf8');
    const payload = JSON.parse(json) as unknown;
    return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Authenticated access to one Label Studio server. Holds the token privately; `toJSON` hides it so it cannot leak
 * into a log line by accident.
 */
export class LabelStudioConnection {
  readonly baseUrl: URL;
  readonly #token: string;
  readonly #isPersonalAccessToken: boolean;
  readonly #timeoutMs: number;
  #access: { token: string; expiresAt: number } | undefined;
  #refreshing: Promise<string> | undefined;

  constructor(options: LabelStudioConnectionOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch {
      throw new BridgeConfigError(
        `labelStudio.url ${JSON.stringify(options.url)} is not a URL (expected e.g. http://127.0.0.1:8080)`,
      );
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new BridgeConfigError('labelStudio.url must be http(s)');
    }
    if (!options.token)
      throw new BridgeConfigError('labelStudio.token is empty: pass a legacy API token or a personal access token');
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.baseUrl = base;
    this.#token = options.token;
    this.#isPersonalAccessToken = jwtPayload(options.token)?.token_type === 'refresh';
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  toJSON(): unknown {
    return { url: this.baseUrl.toString(), token: '***' };
  }

  /** Whether a URL points at this Label Studio (same scheme, host and port): only then is the token sent. */
  owns(url: URL): boolean {
    return url.origin === this.baseUrl.origin;
  }

  /** Resolves a path such as `/data/upload/1/x.png` against the Label Studio URL. */
  resolve(pathOrUrl: string): URL {
    const relative = pathOrUrl.startsWith('/') ? pathOrUrl.slice(1) : pathOrUrl;
    return new URL(relative, this.baseUrl);
  }

  /** The Authorization header value, refreshing the access token of a personal access token when it is near expiry. */
  async authorization(forceRefresh = false): Promise<string> {
    if (!this.#isPersonalAccessToken) return `Token ${this.#token}`;
    if (!forceRefresh && this.#access && this.#access.expiresAt - 30_000 > Date.now())
      return `Bearer ${this.#access.token}`;
    this.#refreshing ??= this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return `Bearer ${await this.#refreshing}`;
  }

  async #refresh(): Promise<string> {
    const url = this.resolve('/api/token/refresh/');
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ refresh: this.#token }),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) throw new LabelStudioApiError('POST', '/api/token/refresh/', response.status, text);
    const access = (JSON.parse(text) as { access?: unknown }).access;
    if (typeof access !== 'string')
      throw new LabelStudioApiError('POST', '/api/token/refresh/', response.status, 'no access token in the answer');
    const exp = jwtPayload(access)?.exp;
    this.#access = { token: access, expiresAt: typeof exp === 'number' ? exp * 1000 : Date.now() + 60_000 };
    return access;
  }

  /** A JSON API call; retries once with a fresh access token on 401 when a personal access token is used. */
  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const url = this.resolve(path);
    let response: Response | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      response = await fetch(url, {
        method,
        headers: {
          authorization: await this.authorization(attempt > 0),
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      if (response.status !== 401 || !this.#isPersonalAccessToken) break;
      await response.body?.cancel();
    }
    const r = response as Response;
    const text = await r.text();
    if (!r.ok) throw new LabelStudioApiError(method, path, r.status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
