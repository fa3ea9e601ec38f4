import type { DemoContext } from './context.js';
import { withRegisteredVersionName } from './labeling/model-version-name.js';
import { buildWebAssets } from './web/assets.js';
import { endpointStagePredictor } from './web/endpoint-predictor.js';
import { createWebHandler, DEFAULT_MAX_IMAGE_BYTES } from './web/handler.js';
import { type RunningWebServer, startWebServer } from './web/node-server.js';

/** Starts the front-end's server on this machine over the context's clients (AWS or local mode). */
export async function startDemoWeb(
  ctx: DemoContext,
  options: { port?: number; host?: string } = {},
): Promise<RunningWebServer> {
  // One model-version name everywhere: the same `<group>/<version>` Label Studio shows for pre-labels.
  const predictor = withRegisteredVersionName(
    endpointStagePredictor({ sagemaker: ctx.sagemaker, runtime: ctx.runtime, endpoints: ctx.names.endpoints }),
    ctx.sagemaker,
    ctx.names.endpoints,
  );
  const handler = createWebHandler({
    predictor,
    assets: await buildWebAssets(),
    maxImageBytes: DEFAULT_MAX_IMAGE_BYTES,
    log: (entry) => {
      if (entry['event'] === 'request_failed') ctx.reporter.info(`web: ${String(entry['message'])}`);
    },
  });
  return startWebServer({
    handler,
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    maxBodyBytes: DEFAULT_MAX_IMAGE_BYTES,
  });
}
