import { resolve } from 'node:path';
import { z } from 'zod';
import { LocalModeConfigError } from './errors.js';
import type { ContainerIsolation, ContainerView } from './container.js';
import { resolveRuntimeDir } from './paths.js';
import { LocalS3Store } from './s3.js';

/** One line of job or endpoint output, or a progress note from local mode. */
export interface LocalLogEvent {
  time: string;
  source: 'training-job' | 'processing-job' | 'endpoint' | 'pipeline';
  /** Job, endpoint or pipeline execution name. */
  name: string;
  kind: 'stdout' | 'stderr' | 'progress';
  message: string;
}

export interface ImageMapping {
  /** Matched against the ImageUri (or TrainingImage / inference Image) of a job or model. */
  pattern: RegExp | string;
  /** Interpreter that stands for the image, e.g. '/abs/.venvs/ml/bin/python'. */
  python: string;
}

export type LambdaHandler = (event: Record<string, unknown>) => Promise<unknown> | unknown;

export interface LocalSageMakerOptions {
  /** State folder; created when missing; survives restarts. Default '.sagemaker-local'. */
  stateDir?: string;
  /** Image URI → interpreter, first match wins; unmatched images use `defaultPython`. */
  images?: ImageMapping[];
  /** Interpreter for images no mapping matches. Default 'python3'. */
  defaultPython?: string;
  region?: string;
  accountId?: string;
  /** Lambda step handlers by function ARN or name. */
  lambdaHandlers?: Record<string, LambdaHandler>;
  onLog?: (event: LocalLogEvent) => void;
  /** A serverless endpoint with no invocation for this long scales to zero. Default 5 minutes. */
  serverlessIdleTimeoutMs?: number;
  /** Default MaxParallelExecutionSteps of pipeline executions. Default 4. */
  defaultParallelism?: number;
  /**
   * Python modules (e.g. ['torch']) that endpoint model servers import once per interpreter: creating an
   * endpoint starts a warm interpreter that has imported them, and model servers are forked from it, so a
   * serverless cold start costs the fork and model_fn instead of the framework import. Default none.
   */
  preloadModules?: string[];
  /**
   * Folder of local mode's Python runtime (the package's `python/` folder, with `sagemaker_local/serve.py`).
   * Found automatically next to the installed package; give it when the app is bundled without node_modules.
   * Default: $SAGEMAKER_LOCAL_RUNTIME_DIR, else the installed package's folder.
   */
  runtimeDir?: string;
  /**
   * How jobs and endpoint processes get their own SageMaker container paths (/opt/ml/...): 'bubblewrap' runs
   * each in a private mount namespace with its folders bound there (Linux, `bwrap` installed); 'none' rewrites
   * paths in arguments and SM_* variables and makes a Python process that opens a /opt/ml path fail with an
   * error naming it. Default 'auto': bubblewrap where it runs, else 'none'. The host's /opt/ml is never used.
   */
  containerIsolation?: ContainerIsolation;
  /**
   * Extra pip arguments for installing a source folder's requirements.txt into a cached overlay of the image's
   * interpreter (e.g. ['--no-index', '--find-links', '/wheels'] on a machine without network). pip's own
   * configuration (pip.conf, PIP_* variables) applies as well. Default none.
   */
  pipOptions?: string[];
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'a function');

const optionsSchema = z.object({
  stateDir: z.string().min(1).optional(),
  images: z
    .array(z.object({ pattern: z.union([z.instanceof(RegExp), z.string().min(1)]), python: z.string().min(1) }))
    .optional(),
  defaultPython: z.string().min(1).optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a region like us-east-1')
    .optional(),
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'twelve digits')
    .optional(),
  lambdaHandlers: z.record(z.string(), fn).optional(),
  onLog: fn.optional(),
  serverlessIdleTimeoutMs: z.number().int().positive().optional(),
  defaultParallelism: z.number().int().min(1).max(256).optional(),
  preloadModules: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'a Python module name')).optional(),
  runtimeDir: z.string().min(1).optional(),
  containerIsolation: z.enum(['auto', 'bubblewrap', 'none']).optional(),
  pipOptions: z.array(z.string()).optional(),
});

/** Everything the local clients share: configuration, the state folder and the object store. */
export class LocalContext {
  readonly stateDir: string;
  readonly region: string;
  readonly accountId: string;
  readonly s3: LocalS3Store;
  readonly images: ImageMapping[];
  readonly defaultPython: string;
  readonly lambdaHandlers: Record<string, LambdaHandler>;
  readonly serverlessIdleTimeoutMs: number;
  readonly defaultParallelism: number;
  readonly preloadModules: string[];
  /** local mode's python/ folder (sagemaker_local/serve.py, zygote.py). */
  readonly runtimeDir: string;
  readonly containerIsolation: ContainerIsolation;
  readonly pipOptions: string[];
  /** Set by LocalSageMaker.open (probing bubblewrap is asynchronous). */
  container!: ContainerView;
  private readonly onLog: ((event: LocalLogEvent) => void) | undefined;

  constructor(options: LocalSageMakerOptions) {
    const parsed = optionsSchema.safeParse(options);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `options.${i.path.join('.')}: ${i.message}`).join('; ');
      throw new LocalModeConfigError(`LocalSageMaker.open: invalid options (${issues})`);
    }
    this.stateDir = resolve(options.stateDir ?? '.sagemaker-local');
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.s3 = new LocalS3Store(this.stateDir);
    this.images = options.images ?? [];
    this.defaultPython = options.defaultPython ?? 'python3';
    this.lambdaHandlers = options.lambdaHandlers ?? {};
    this.serverlessIdleTimeoutMs = options.serverlessIdleTimeoutMs ?? 5 * 60_000;
    this.defaultParallelism = options.defaultParallelism ?? 4;
    this.preloadModules = options.preloadModules ?? [];
    this.runtimeDir = resolveRuntimeDir(options.runtimeDir);
    this.containerIsolation = options.containerIsolation ?? 'auto';
    this.pipOptions = options.pipOptions ?? [];
    this.onLog = options.onLog;
  }

  arn(resource: string, name: string): string {
    return `arn:aws:sagemaker:${this.region}:${this.accountId}:${resource}/${name.toLowerCase()}`;
  }

  /** The interpreter that stands for a container image. */
  pythonFor(imageUri: string | undefined): string {
    for (const mapping of this.images) {
      const hit =
        typeof mapping.pattern === 'string'
          ? (imageUri ?? '').includes(mapping.pattern)
          : mapping.pattern.test(imageUri ?? '');
      if (hit) return mapping.python;
    }
    return this.defaultPython;
  }

  log(source: LocalLogEvent['source'], name: string, kind: LocalLogEvent['kind'], message: string): void {
    if (!this.onLog) return;
    try {
      this.onLog({ time: new Date().toISOString(), source, name, kind, message });
    } catch {
      // A failing log callback must not break jobs or endpoints.
    }
  }
}
