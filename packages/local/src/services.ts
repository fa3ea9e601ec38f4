import { CommandTable } from './dispatch.js';
import type { LocalContext } from './context.js';
import { EndpointManager } from './endpoints.js';
import { JobRunner } from './jobs.js';
import { PipelineService } from './pipelines.js';
import { ModelRegistry } from './registry.js';
import { TransformRunner } from './transform.js';

/** Wires the local resource services together and exposes their command tables. */
export class LocalServices {
  readonly registry: ModelRegistry;
  readonly endpoints: EndpointManager;
  readonly jobs: JobRunner;
  readonly pipelines: PipelineService;
  readonly transforms: TransformRunner;
  readonly sageMakerCommands = new CommandTable('LocalSageMakerClient');
  readonly runtimeCommands = new CommandTable('LocalSageMakerRuntimeClient');

  constructor(readonly context: LocalContext) {
    this.registry = new ModelRegistry(context);
    this.endpoints = new EndpointManager(context, this.registry);
    this.jobs = new JobRunner(context);
    this.transforms = new TransformRunner(context, this.endpoints);
    this.pipelines = new PipelineService(context, this.jobs, this.transforms);
    this.registry.register(this.sageMakerCommands);
    this.endpoints.register(this.sageMakerCommands);
    this.jobs.register(this.sageMakerCommands);
    this.transforms.register(this.sageMakerCommands);
    this.pipelines.register(this.sageMakerCommands);
    this.endpoints.registerRuntime(this.runtimeCommands);
    this.pipelines.bind(this.sageMakerCommands);
  }

  async recover(): Promise<void> {
    await this.endpoints.recover();
    await this.jobs.recover();
    await this.transforms.recover();
    await this.pipelines.recover();
  }

  async close(): Promise<void> {
    await this.pipelines.close();
    await Promise.all([this.endpoints.close(), this.jobs.close(), this.transforms.close()]);
  }
}
