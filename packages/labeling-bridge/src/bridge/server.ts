import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createLimitedServer,
  errorBody,
  listenOn,
  readBody,
  sendJson,
  type RunningServer,
  type ServerLimits,
} from '../http-util.js';
import type { WebhookBridge } from './core.js';

/** A Node HTTP adapter for the bridge (local mode): `POST /` or `POST /webhook` take events, `GET /health` answers UP. */
export function bridgeListener(bridge: WebhookBridge): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]?.replace(/\/+$/, '') || '/';
      if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'UP' });
      if (req.method !== 'POST' || (path !== '/' && path !== '/webhook')) {
        req.resume();
        return sendJson(res, 404, {
          status: 404,
          error: `no route ${req.method} ${path}: post webhook events to / or /webhook`,
        });
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
      );
      try {
        // Authenticate before reading the body, so an unauthenticated sender cannot make us buffer anything.
        bridge.authenticate(headers);
        const body = await readBody(req, bridge.maxBodyBytes);
        const { status, body: answer } = await bridge.handleRequest({ headers, body });
        sendJson(res, status, answer);
      } catch (error) {
        req.resume();
        const { status, body } = errorBody(error);
        sendJson(res, status, body);
      }
    })();
  };
}

/** Starts the bridge as an HTTP server on 127.0.0.1 (port 0: a free one), with timeouts and a connection cap. */
export async function startBridgeServer(
  bridge: WebhookBridge,
  port = 0,
  host = '127.0.0.1',
  limits: ServerLimits = {},
): Promise<RunningServer> {
  return listenOn(createLimitedServer(bridgeListener(bridge), limits), port, host);
}
