import type { HandlerTable } from './client-base.js';
import type { LocalContext } from './context.js';
import { EndpointManager } from './endpoints.js';
import { JobRunner } from './jobs.js';
import { PipelineService } from './pipelines.js';
import { ModelRegistry } from './registry.js';

/** Wires the local resource services together and exposes their command handlers. */
export class LocalServices {
  readonly registry: ModelRegistry;
  readonly endpoints: EndpointManager;
  readonly jobs: JobRunner;
  readonly pipelines: PipelineService;
  private readonly handlers: HandlerTable;

  constructor(readonly context: LocalContext) {
    this.registry = new ModelRegistry(context);
    this.endpoints = new EndpointManager(context, this.registry);
    this.jobs = new JobRunner(context);
    this.pipelines = new PipelineService(context, this.jobs);
    this.handlers = {
      ...this.registry.handlers(),
      ...this.endpoints.handlers(),
      ...this.jobs.handlers(),
      ...this.pipelines.handlers(),
    };
    this.pipelines.bind(this.handlers);
  }

  async recover(): Promise<void> {
    await this.endpoints.recover();
    await this.jobs.recover();
    await this.pipelines.recover();
  }

  sageMakerHandlers(): HandlerTable {
    return this.handlers;
  }

  runtimeHandlers(): HandlerTable {
    return this.endpoints.runtimeHandlers();
  }

  async close(): Promise<void> {
    await this.pipelines.close();
    await Promise.all([this.endpoints.close(), this.jobs.close()]);
  }
}
