import type { HandlerTable } from './client-base.js';
import type { LocalContext } from './context.js';
import { EndpointManager } from './endpoints.js';
import { JobRunner } from './jobs.js';
import { ModelRegistry } from './registry.js';

/** Wires the local resource services together and exposes their command handlers. */
export class LocalServices {
  readonly registry: ModelRegistry;
  readonly endpoints: EndpointManager;
  readonly jobs: JobRunner;

  constructor(readonly context: LocalContext) {
    this.registry = new ModelRegistry(context);
    this.endpoints = new EndpointManager(context, this.registry);
    this.jobs = new JobRunner(context);
  }

  async recover(): Promise<void> {
    await this.endpoints.recover();
    await this.jobs.recover();
  }

  sageMakerHandlers(): HandlerTable {
    return { ...this.registry.handlers(), ...this.endpoints.handlers(), ...this.jobs.handlers() };
  }

  runtimeHandlers(): HandlerTable {
    return this.endpoints.runtimeHandlers();
  }

  async close(): Promise<void> {
    await Promise.all([this.endpoints.close(), this.jobs.close()]);
  }
}
