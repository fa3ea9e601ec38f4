import { promises as fs } from 'node:fs';
import { ContainerView } from './container.js';
import { LocalContext, type LocalSageMakerOptions } from './context.js';
import type { LocalEndpointStats } from './endpoints.js';
import { LocalS3Client } from './s3-client.js';
import { LocalSageMakerClient } from './sagemaker.js';
import { LocalSageMakerRuntimeClient } from './runtime.js';
import { LocalServices } from './services.js';

/**
 * Local mode: SageMaker, SageMaker Runtime and S3 clients backed by a state folder and local processes.
 *
 * ```ts
 * const local = await LocalSageMaker.open({ stateDir: '.sagemaker-local' });
 * await local.s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }));
 * await local.close();
 * ```
 */
export class LocalSageMaker {
  readonly sagemaker: LocalSageMakerClient;
  readonly runtime: LocalSageMakerRuntimeClient;
  readonly s3: LocalS3Client;
  /** Absolute path of the state folder. */
  readonly stateDir: string;
  /** How job and endpoint processes get their private /opt/ml here ('none': paths are rewritten and guarded). */
  readonly containerIsolation: 'bubblewrap' | 'none';
  readonly #services: LocalServices;

  private constructor(context: LocalContext, services: LocalServices) {
    const clientConfig = { region: context.region };
    this.stateDir = context.stateDir;
    this.containerIsolation = context.container.kind;
    this.#services = services;
    this.s3 = new LocalS3Client(context.s3, clientConfig);
    this.sagemaker = new LocalSageMakerClient(services.sageMakerCommands, clientConfig);
    this.runtime = new LocalSageMakerRuntimeClient(services.runtimeCommands, clientConfig);
  }

  static async open(options: LocalSageMakerOptions = {}): Promise<LocalSageMaker> {
    const context = new LocalContext(options);
    context.container = await ContainerView.create(context.containerIsolation, context.runtimeDir);
    await fs.mkdir(context.stateDir, { recursive: true });
    await fs.mkdir(context.s3.root, { recursive: true });
    const services = new LocalServices(context);
    await services.recover();
    return new LocalSageMaker(context, services);
  }

  /** What local mode knows about an endpoint's processes: workers per variant, cold starts. */
  endpointStats(endpointName: string): LocalEndpointStats {
    return this.#services.endpoints.endpointStats(endpointName);
  }

  /**
   * Resolves once a pipeline execution has finished (Succeeded, Failed or Stopped) and returns its
   * DescribePipelineExecution fields; polling DescribePipelineExecution works as well.
   */
  async waitForPipelineExecution(
    pipelineExecutionArn: string,
  ): Promise<{ PipelineExecutionStatus: string; FailureReason?: string }> {
    const execution = await this.#services.pipelines.waitForExecution(pipelineExecutionArn);
    return {
      PipelineExecutionStatus: execution.PipelineExecutionStatus as string,
      ...(execution.FailureReason ? { FailureReason: execution.FailureReason as string } : {}),
    };
  }

  /** Stops endpoint host processes and running jobs; state stays in the folder. */
  async close(): Promise<void> {
    await this.#services.close();
  }
}
