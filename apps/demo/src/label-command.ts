import { randomBytes } from 'node:crypto';
import type { DemoContext } from './context.js';

export interface RunningLabeling {
  mlBackendUrl: string;
  bridgeUrl: string;
  webhookSecret: string;
  close(): Promise<void>;
}

/**
 * Starts the human-in-the-loop half of the seed: the Label Studio ML backend (pre-labels through the prod
 * endpoint, else staging) and the webhook bridge (annotations into the lake; past the threshold, one
 * pipeline run). LABEL_STUDIO_URL and LABEL_STUDIO_TOKEN connect them to a Label Studio instance.
 */
export async function startLabeling(
  ctx: DemoContext,
  options: { port: number; bridgePort: number; threshold: number },
): Promise<RunningLabeling> {
  // Loaded on use: the other commands do not need the labelling package.
  const {
    createMlBackend,
    endpointPredictor,
    jsonLogger,
    LabelStudioConnection,
    MediaResolver,
    registeredModelVersion,
    startBridgeServer,
    WebhookBridge,
  } = await import('@sagemaker-mlops/labeling-bridge');
  const labelStudioUrl = process.env['LABEL_STUDIO_URL'];
  const labelStudioToken = process.env['LABEL_STUDIO_TOKEN'];
  const labelStudio =
    labelStudioUrl && labelStudioToken
      ? new LabelStudioConnection({ url: labelStudioUrl, token: labelStudioToken })
      : undefined;
  const media = new MediaResolver({ s3: ctx.s3, ...(labelStudio ? { labelStudio } : {}) });
  const endpointName = ctx.state.completed('deploy-prod') ? ctx.names.endpoints.prod : ctx.names.endpoints.staging;
  const logger = jsonLogger();
  const backend = createMlBackend({
    predictor: endpointPredictor({ endpointName, runtime: ctx.runtime }),
    media,
    modelVersion: () => registeredModelVersion(ctx.sagemaker, endpointName),
    logger,
  });
  const webhookSecret = process.env['DEMO_WEBHOOK_SECRET'] ?? randomBytes(18).toString('base64url');
  const bridge = new WebhookBridge({
    s3: ctx.s3,
    sagemaker: ctx.sagemaker,
    lake: `s3://${ctx.names.bucket}/${ctx.names.lakePrefix}`,
    pipelineName: ctx.names.pipelineName,
    pipelineParameterName: 'LakePrefix',
    threshold: options.threshold,
    auth: { sharedSecret: webhookSecret },
    media,
    ...(labelStudio ? { labelStudio } : {}),
    logger,
  });
  const ml = await backend.listen(options.port);
  const hook = await startBridgeServer(bridge, options.bridgePort);
  return {
    mlBackendUrl: ml.url,
    bridgeUrl: hook.url,
    webhookSecret,
    close: async () => {
      await ml.close();
      await hook.close();
    },
  };
}
