import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  BridgeConfigError,
  InvalidPayloadError,
  LabelNotAllowedError,
  LabelingBridgeError,
  PredictorError,
  UnauthorizedError,
} from '../errors.js';
import { BoundedCache } from '../bounded-cache.js';
import {
  createLimitedServer,
  basicAuthMatches,
  errorBody,
  listenOn,
  mapLimit,
  parseJson,
  readBody,
  sendJson,
  zodToPayloadError,
  type RunningServer,
  type ServerLimits,
} from '../http-util.js';
import { safeParse } from '../zod-parse.js';
import { matchLabel, parseLabelConfig, type ImageClassificationConfig } from '../label-config.js';
import { silentLogger, type Logger } from '../logger.js';
import type { MediaResolver } from '../media.js';
import { uncertainty, type ModelPrediction, type Predictor } from './predictor.js';
import { labelStudioResults } from './retry-later.js';
import { mlWebhookSchema, predictRequestSchema, setupRequestSchema, type LabelStudioTask } from './schemas.js';

export interface MlBackendOptions {
  /** Classifies one image (see `endpointPredictor` for a SageMaker endpoint). */
  predictor: Predictor;
  /** Reads task images (Label Studio uploads, s3://, allow-listed http(s)). */
  media: MediaResolver;
  /**
   * The model version reported to Label Studio: a fixed string, or a function (e.g. `registeredModelVersion`) that is
   * called at most once per `modelVersionTtlMs`. Without it, the version a prediction reports is used, else "unknown".
   */
  modelVersion?: string | (() => Promise<string>);
  modelVersionTtlMs?: number;
  /** Basic auth, as configured on the ML backend in Label Studio (auth_method BASIC_AUTH). */
  basicAuth?: { user: string; pass: string };
  /** Images fetched and predicted at once per request (default 8; the endpoint predictor also caps its own calls). */
  concurrency?: number;
  /**
   * Time one /predict request may take (default 90 s, under Label Studio's 100 s ML_TIMEOUT_PREDICT). Tasks not
   * predicted by then are answered as "ask again later" (see retry-later.ts), never as an empty prediction.
   */
  predictDeadlineMs?: number;
  /** Largest request body, bytes (default 10 MiB). */
  maxBodyBytes?: number;
  /** Most tasks in one /predict request (default 1000). */
  maxTasksPerRequest?: number;
  logger?: Logger;
  /** Called for `START_TRAINING` (Label Studio's "Start training" button); the answer is returned to Label Studio. */
  onStartTraining?: (event: Record<string, unknown>) => Promise<{ job?: string } | undefined>;
  /** Called for every other event Label Studio posts to /webhook (the auto-created ML webhook sends all actions). */
  onEvent?: (event: Record<string, unknown>) => Promise<void>;
  /** Header and request timeouts and the connection cap of `listen` (defaults: 10 s, 30 s, 256 connections). */
  serverLimits?: ServerLimits;
}

/** The routes /metrics counts; anything else is counted as `other`, so senders cannot grow the map. */
const ROUTES = new Set([
  'GET /',
  'GET /health',
  'POST /setup',
  'POST /predict',
  'POST /webhook',
  'GET /versions',
  'GET /metrics',
]);

/** One entry of the /predict answer, as Label Studio stores it. */
export interface TaskPrediction {
  result: Array<{ from_name: string; to_name: string; type: 'choices'; value: { choices: [string] } }>;
  score?: number;
  model_version: string;
  /** Not read by Label Studio; kept for auto-labelling and ordering by uncertainty. */
  uncertainty?: number;
  /** Present when the task could not be predicted; `result` is then empty. */
  error?: string;
}

interface Metrics {
  requests: Map<string, number>;
  tasksPredicted: number;
  taskFailures: number;
  predictLatencyMs: number[];
}

/** The Label Studio ML backend protocol over a Predictor, as a Node HTTP handler. */
export class MlBackend {
  readonly #options: MlBackendOptions;
  readonly #logger: Logger;
  /** Parsed label configs by their XML: at most 64 of them and 4 MiB of XML, whatever the request bodies hold. */
  readonly #configs = new BoundedCache<ImageClassificationConfig>(64, 4 * 2 ** 20);
  #version: { value: string; at: number } | undefined;
  #versionPending: Promise<string> | undefined;
  readonly #metrics: Metrics = { requests: new Map(), tasksPredicted: 0, taskFailures: 0, predictLatencyMs: [] };
  readonly #startedAt = Date.now();

  constructor(options: MlBackendOptions) {
    if (typeof options.predictor !== 'function') throw new BridgeConfigError('MlBackend needs a predictor function');
    if (options.basicAuth && (!options.basicAuth.user || !options.basicAuth.pass)) {
      throw new BridgeConfigError('basicAuth needs both user and pass');
    }
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /** The Node request listener: `http.createServer(backend.listener)`. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.#route(req, res).catch((error: unknown) => {
      const { status, body } = errorBody(error);
      if (status >= 500)
        this.#logger.error('ml backend request failed', { path: req.url, error: (error as Error).message });
      if (!res.headersSent) sendJson(res, status, body);
      else res.destroy();
    });
  };

  /** Starts an HTTP server; `port` 0 picks a free one. */
  async listen(port = 9090, host = '127.0.0.1'): Promise<RunningServer> {
    const server = createLimitedServer(this.listener, this.#options.serverLimits);
    server.keepAliveTimeout = 65_000;
    if (!this.#options.basicAuth && !/^(127\.|::1$|localhost$)/.test(host)) {
      this.#logger.warn('ml backend listens beyond loopback without basicAuth: anyone who can reach it can use it', {
        host,
      });
    }
    return listenOn(server, port, host);
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]?.replace(/\/+$/, '') || '/';
    const key = `${req.method} ${path}`;
    const auth = this.#options.basicAuth;
    if (auth && !basicAuthMatches(req.headers.authorization, auth.user, auth.pass)) {
      req.resume();
      const { body } = errorBody(
        new UnauthorizedError('basic auth required: set the same user and password on the ML backend in Label Studio'),
      );
      sendJson(res, 401, body, { 'www-authenticate': 'Basic realm="Login required"' });
      return;
    }
    // Counted after auth and by route, never by raw path: unauthenticated senders cannot grow /metrics.
    const route = ROUTES.has(key) ? key : 'other';
    this.#metrics.requests.set(route, (this.#metrics.requests.get(route) ?? 0) + 1);
    const limit = this.#options.maxBodyBytes ?? 10 * 2 ** 20;
    switch (key) {
      case 'GET /':
      case 'GET /health':
        sendJson(res, 200, { status: 'UP', model_class: 'SageMakerEndpointBackend' });
        return;
      case 'POST /setup': {
        const parsed = safeParse(setupRequestSchema, parseJson(await readBody(req, limit)));
        if (!parsed.success) throw zodToPayloadError(parsed.error, 'setup body');
        this.#config(parsed.data.schema);
        sendJson(res, 200, { model_version: await this.modelVersion() });
        return;
      }
      case 'POST /predict': {
        const body = parseJson(await readBody(req, limit));
        const parsed = safeParse(predictRequestSchema, body);
        if (!parsed.success) throw zodToPayloadError(parsed.error, 'predict body');
        const max = this.#options.maxTasksPerRequest ?? 1000;
        if (parsed.data.tasks.length > max) {
          throw new InvalidPayloadError(
            `${parsed.data.tasks.length} tasks in one request; at most ${max} are accepted`,
            '$.tasks',
          );
        }
        const results = await this.predictTasks(parsed.data.tasks, parsed.data.label_config);
        sendJson(res, 200, { results: labelStudioResults(results) });
        return;
      }
      case 'POST /webhook': {
        const body = parseJson(await readBody(req, limit));
        const parsed = safeParse(mlWebhookSchema, body);
        if (!parsed.success) throw zodToPayloadError(parsed.error, 'webhook body');
        const event = parsed.data as Record<string, unknown>;
        if (event.action === 'START_TRAINING') {
          const answer = (await this.#options.onStartTraining?.(event)) ?? {};
          sendJson(res, 201, { status: 'ok', ...answer });
          return;
        }
        if (this.#options.onEvent) {
          await this.#options.onEvent(event);
          sendJson(res, 200, { status: 'ok' });
          return;
        }
        sendJson(res, 200, { status: 'ignored', action: event.action });
        return;
      }
      case 'GET /versions':
        sendJson(res, 200, { versions: [await this.modelVersion()] });
        return;
      case 'GET /metrics':
        sendJson(res, 200, this.metrics());
        return;
      default:
        req.resume();
        sendJson(res, 404, {
          status: 404,
          error: `no route ${req.method} ${path.slice(0, 200)}: this ML backend serves /health, /setup, /predict, /webhook, /versions, /metrics`,
        });
    }
  }

  #config(xml: string): ImageClassificationConfig {
    let config = this.#configs.get(xml);
    if (!config) {
      config = parseLabelConfig(xml);
      this.#configs.set(xml, config);
    }
    return config;
  }

  /** The version reported to Label Studio (cached for modelVersionTtlMs). */
  async modelVersion(): Promise<string> {
    const source = this.#options.modelVersion;
    if (source === undefined) return this.#version?.value ?? 'unknown';
    if (typeof source === 'string') return source;
    const ttl = this.#options.modelVersionTtlMs ?? 60_000;
    if (this.#version && Date.now() - this.#version.at < ttl) return this.#version.value;
    this.#versionPending ??= source()
      .then((value) => {
        this.#version = { value, at: Date.now() };
        return value;
      })
      .catch((error: unknown) => {
        if (this.#version) return this.#version.value; // keep serving the last known version while AWS hiccups
        throw new PredictorError(`could not resolve the model version: ${(error as Error).message}`, error);
      })
      .finally(() => {
        this.#versionPending = undefined;
      });
    return this.#versionPending;
  }

  /**
   * Predicts tasks against a label config: one entry per task, in order. A task that fails gets an empty result and
   * `error` (the HTTP answer turns it into "ask again later").
   */
  async predictTasks(tasks: readonly LabelStudioTask[], labelConfig: string): Promise<TaskPrediction[]> {
    const config = this.#config(labelConfig);
    const fixedVersion = this.#options.modelVersion === undefined ? undefined : await this.modelVersion();
    const failures: LabelingBridgeError[] = [];
    const signal = AbortSignal.timeout(this.#options.predictDeadlineMs ?? 90_000);
    const results = await mapLimit(tasks, this.#options.concurrency ?? 8, async (task) => {
      const started = performance.now();
      try {
        signal.throwIfAborted();
        const image = await this.#options.media.read(task.data[config.dataKey]);
        let prediction: ModelPrediction;
        try {
          prediction = await this.#options.predictor(image, { taskId: task.id, signal });
        } catch (error) {
          throw error instanceof LabelingBridgeError ? error : new PredictorError((error as Error).message, error);
        }
        const out = this.#toResult(config, prediction, fixedVersion);
        this.#metrics.tasksPredicted++;
        this.#record(performance.now() - started);
        return out;
      } catch (error) {
        this.#metrics.taskFailures++;
        const wrapped = error instanceof LabelingBridgeError ? error : new PredictorError(String(error), error);
        failures.push(wrapped);
        this.#logger.warn('task not predicted', { taskId: task.id, error: wrapped.message });
        return {
          result: [],
          model_version: fixedVersion ?? 'unknown',
          error: wrapped.message,
        } satisfies TaskPrediction;
      }
    });
    // Every task failed: answer with the cause so Label Studio's UI shows it instead of N empty predictions.
    if (failures.length === tasks.length && failures[0]) throw failures[0];
    return results;
  }

  #toResult(
    config: ImageClassificationConfig,
    prediction: ModelPrediction,
    fixedVersion: string | undefined,
  ): TaskPrediction {
    let label = typeof prediction.label === 'string' ? matchLabel(config, prediction.label) : undefined;
    // A Map: labels such as __proto__ are data, never object keys.
    const probabilities = new Map<string, number>();
    for (const [name, p] of Object.entries(prediction.probabilities ?? {})) {
      const allowed = matchLabel(config, name);
      if (allowed !== undefined && Number.isFinite(p))
        probabilities.set(allowed, (probabilities.get(allowed) ?? 0) + p);
    }
    if (label === undefined) {
      // The model's top class is not in this project's config: fall back to the most probable allowed label.
      const best = [...probabilities].sort((a, b) => b[1] - a[1])[0];
      if (!best) {
        // The project's choices and the model's classes do not overlap: a configuration problem of the request (422).
        throw new LabelNotAllowedError(
          String(prediction.label),
          config.labels,
          'was predicted by the model but is not one of the label config choices, and no allowed label has a probability: align the Choice values with the model classes',
        );
      }
      label = best[0];
    }
    const version = fixedVersion ?? prediction.modelVersion ?? 'unknown';
    if (fixedVersion === undefined && prediction.modelVersion)
      this.#version = { value: prediction.modelVersion, at: Date.now() };
    const score = probabilities.get(label);
    return {
      result: [{ from_name: config.fromName, to_name: config.toName, type: 'choices', value: { choices: [label] } }],
      ...(score === undefined ? {} : { score: Math.min(1, Math.max(0, score)) }),
      model_version: version,
      uncertainty: uncertainty(probabilities.size ? Object.fromEntries(probabilities) : undefined),
    };
  }

  #record(ms: number): void {
    const samples = this.#metrics.predictLatencyMs;
    if (samples.length >= 2048) samples.splice(0, 1024);
    samples.push(ms);
  }

  /** Request counts, predicted and failed tasks, and per-task latency percentiles. */
  metrics(): Record<string, unknown> {
    const sorted = [...this.#metrics.predictLatencyMs].sort((a, b) => a - b);
    const at = (p: number) =>
      sorted.length
        ? Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(2))
        : null;
    return {
      uptimeSeconds: Math.round((Date.now() - this.#startedAt) / 1000),
      requests: Object.fromEntries(this.#metrics.requests),
      tasksPredicted: this.#metrics.tasksPredicted,
      taskFailures: this.#metrics.taskFailures,
      taskLatencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99) },
      modelVersion:
        this.#version?.value ?? (typeof this.#options.modelVersion === 'string' ? this.#options.modelVersion : null),
    };
  }
}

export function createMlBackend(options: MlBackendOptions): MlBackend {
  return new MlBackend(options);
}
