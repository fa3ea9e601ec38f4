import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  createMlBackend,
  endpointPredictor,
  jsonLogger,
  LabelStudioConnection,
  type Logger,
  MediaResolver,
  registeredModelVersion,
  startBridgeServer,
  syncFromLabelStudio,
  WebhookBridge,
} from '@sagemaker-mlops/labeling-bridge';
import type { DemoContext } from './context.js';
import { LabelStudioUnavailableError, MissingPrerequisiteError } from './errors.js';
import { startLocalLabelStudio, type LabelStudioLogin } from './labeling/local-label-studio.js';
import {
  checkLabelStudio,
  connectMlBackend,
  ensureProject,
  importImages,
  registerBridgeWebhook,
  WEBHOOK_SECRET_HEADER,
} from './labeling/project-setup.js';
import { resumePendingRetrains } from './labeling/retrain-guard.js';
import { listUnlabelledPool, modelClasses } from './labeling/lake-pool.js';
import { demoCommand, type RunSelection } from './next-command.js';

export interface LabelOptions {
  /** ML backend port. */
  port: number;
  /** Webhook bridge port. */
  bridgePort: number;
  /** Annotations per retrain. */
  threshold: number;
  /** An existing Label Studio (AWS, or one you run); without it, local mode starts one. */
  labelStudioUrl?: string;
  labelStudioToken?: string;
  /** Port of the Label Studio the demo starts. */
  labelStudioPort: number;
}

export interface RunningLabeling {
  labelStudioUrl: string;
  /** Set when the demo started Label Studio itself. */
  login?: LabelStudioLogin;
  projectId: number;
  projectUrl: string;
  endpointName: string;
  mlBackendUrl: string;
  bridgeUrl: string;
  webhookSecret: string;
  lake: string;
  imported: { imported: number; already: number };
  close(): Promise<void>;
}

/** One Label Studio project per configuration, so `--tiny` and the default run do not mix their annotations. */
export function projectTitle(ctx: DemoContext): string {
  return `sagemaker-mlops-demo (${ctx.profile.name}, ${ctx.target})`;
}

/** The endpoint that pre-labels: prod once deployed, else staging; never one this configuration has not deployed. */
export function labellingEndpoint(ctx: DemoContext, selection: RunSelection): string {
  if (ctx.state.completed('deploy-prod')) return ctx.names.endpoints.prod;
  if (ctx.state.completed('deploy-staging')) return ctx.names.endpoints.staging;
  throw new MissingPrerequisiteError(
    'label',
    `a deployed endpoint of the ${ctx.profile.name} configuration (${ctx.target}); this run state has none`,
    `Run \`${demoCommand(selection, 'all')}\` first (it deploys staging and prod), or pass the options of the run you made (e.g. --tiny).`,
  );
}

/** The Label Studio to work with: the one given (checked now), or on local mode one started for this person. */
export async function labelStudioFor(ctx: DemoContext, options: LabelOptions) {
  if (options.labelStudioUrl || options.labelStudioToken) {
    if (!options.labelStudioUrl || !options.labelStudioToken) {
      throw new LabelStudioUnavailableError(
        options.labelStudioUrl
          ? '--label-studio-url needs a token too: --label-studio-token (or LABEL_STUDIO_TOKEN), from Label Studio → Account & Settings.'
          : '--label-studio-token needs --label-studio-url (or LABEL_STUDIO_URL), e.g. http://127.0.0.1:8080.',
      );
    }
    const ls = new LabelStudioConnection({ url: options.labelStudioUrl, token: options.labelStudioToken });
    await checkLabelStudio(ls);
    return { ls, url: options.labelStudioUrl.replace(/\/+$/, ''), close: async () => {} };
  }
  if (ctx.target !== 'local') {
    throw new LabelStudioUnavailableError(
      'with --target aws, `label` needs a Label Studio the endpoint and the bridge can reach: pass --label-studio-url and --label-studio-token (see apps/demo/README.md, "Labelling").',
    );
  }
  const started = await startLocalLabelStudio({
    dataDir: join(ctx.stateDir, 'demo', 'label-studio'),
    port: options.labelStudioPort,
    onProgress: (message) => ctx.reporter.info(message),
  });
  const ls = new LabelStudioConnection({ url: started.url, token: started.login.token });
  try {
    await checkLabelStudio(ls);
  } catch (error) {
    await started.close();
    throw error;
  }
  return { ls, url: started.url, login: started.login, close: started.close };
}

/**
 * The human-in-the-loop half of the seed, ready for a person: Label Studio (started here in local mode, or the one
 * given), a project with the model's classes, the ML backend (pre-labels through the prod endpoint, else staging)
 * connected, the webhook bridge registered with its secret (annotations into the lake; at each threshold crossing,
 * one pipeline run), and the unlabelled pool imported.
 */
export async function startLabeling(
  ctx: DemoContext,
  options: LabelOptions,
  selection: RunSelection,
): Promise<RunningLabeling> {
  const endpointName = labellingEndpoint(ctx, selection);
  const lake = `s3://${ctx.names.bucket}/${ctx.names.lakePrefix}`;
  const classes = await modelClasses(ctx);
  const studio = await labelStudioFor(ctx, options);
  const closers: Array<() => Promise<void>> = [studio.close];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const media = new MediaResolver({ s3: ctx.s3, labelStudio: studio.ls, allowedBuckets: [ctx.names.bucket] });
    const logger = jsonLogger();
    const backend = createMlBackend({
      // Within the endpoint's MaxConcurrency (read from its config), cold starts waited out.
      predictor: endpointPredictor({ endpointName, runtime: ctx.runtime }, { sagemaker: ctx.sagemaker }),
      media,
      modelVersion: () => registeredModelVersion(ctx.sagemaker, endpointName),
      logger,
    });
    const webhookSecret = process.env['DEMO_WEBHOOK_SECRET'] ?? randomBytes(18).toString('base64url');
    const bridge = demoBridge(ctx, studio.ls, options.threshold, webhookSecret, media, logger);
    const ml = await backend.listen(options.port);
    closers.push(() => ml.close());
    const hook = await startBridgeServer(bridge, options.bridgePort);
    closers.push(() => hook.close());

    const project = await ensureProject(studio.ls, projectTitle(ctx), classes);
    await connectMlBackend(studio.ls, project.id, ml.url);
    await registerBridgeWebhook(studio.ls, project.id, hook.url, webhookSecret);
    const pool = await listUnlabelledPool(ctx);
    const bar = ctx.reporter.bar(pool.length, 'importing the unlabelled pool into Label Studio');
    const imported = await importImages(
      studio.ls,
      project.id,
      pool.map((key) => ({
        name: key.split('/').pop() ?? key,
        bytes: async () => {
          const object = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.names.bucket, Key: key }));
          return (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
        },
      })),
      (done) => bar.update(done),
    );
    bar.stop();
    // Annotations made while the bridge was down, and crossings whose retrain was stopped, are caught up now.
    const synced = await syncFromLabelStudio(bridge, studio.ls, project.id);
    if (synced.annotations) ctx.reporter.info(`caught up with ${synced.annotations} annotation(s) in Label Studio`);
    await resumePendingRetrains(ctx);
    return {
      labelStudioUrl: studio.url,
      ...(studio.login ? { login: studio.login } : {}),
      projectId: project.id,
      projectUrl: `${studio.url}/projects/${project.id}/data`,
      endpointName,
      mlBackendUrl: ml.url,
      bridgeUrl: hook.url,
      webhookSecret,
      lake,
      imported,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The webhook bridge with the demo's settings (lake, pipeline, threshold); `label` and `label sync` share it. */
export function demoBridge(
  ctx: DemoContext,
  ls: LabelStudioConnection,
  threshold: number,
  secret: string = randomBytes(18).toString('base64url'),
  media: MediaResolver = new MediaResolver({ s3: ctx.s3, labelStudio: ls, allowedBuckets: [ctx.names.bucket] }),
  logger: Logger = jsonLogger(),
): WebhookBridge {
  return new WebhookBridge({
    s3: ctx.s3,
    sagemaker: ctx.sagemaker,
    lake: `s3://${ctx.names.bucket}/${ctx.names.lakePrefix}`,
    pipelineName: ctx.names.pipelineName,
    pipelineParameterName: 'LakePrefix',
    threshold,
    auth: { sharedSecret: secret, header: WEBHOOK_SECRET_HEADER },
    media,
    labelStudio: ls,
    logger,
  });
}
