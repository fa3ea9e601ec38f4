import { Deployer } from '@sagemaker-mlops/deploy-config';
import type { DemoContext } from './context.js';
import { withRegisteredVersionName } from './labeling/model-version-name.js';
import { stageConfigs } from './steps.js';
import { buildWebAssets } from './web/assets.js';
import { endpointStagePredictor } from './web/endpoint-predictor.js';
import { createWebHandler, DEFAULT_MAX_IMAGE_BYTES } from './web/handler.js';
import { ModelReview } from './web/models/review.js';
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
  // The models page deploys with the same stage configs and rules as `npm run demo -- deploy`.
  const models = new ModelReview({
    sagemaker: ctx.sagemaker,
    s3: ctx.s3,
    modelPackageGroupName: ctx.names.modelPackageGroupName,
    deployer: new Deployer({
      stages: stageConfigs(ctx),
      executionRoleArn: ctx.names.roleArn,
      sagemaker: ctx.sagemaker,
      minPollDelayMs: ctx.target === 'local' ? 1_000 : 5_000,
      maxPollDelayMs: ctx.target === 'local' ? 2_000 : 30_000,
      log: (line) => ctx.reporter.info(`web: ${line}`),
    }),
    onDeployed: (operation) => ctx.reporter.info(`web: ${operation.stage}: ${operation.message}`),
  });
  const handler = createWebHandler({
    predictor,
    models,
    assets: await buildWebAssets(),
    maxImageBytes: DEFAULT_MAX_IMAGE_BYTES,
    log: (entry) => {
      if (entry['event'] === 'request_failed') ctx.reporter.info(`web: ${String(entry['message'])}`);
      if (entry['event'] === 'model_review')
        ctx.reporter.info(`web: ${String(entry['path'])} -> ${String(entry['status'])}`);
    },
  });
  return startWebServer({
    handler,
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    maxBodyBytes: DEFAULT_MAX_IMAGE_BYTES,
  });
}
