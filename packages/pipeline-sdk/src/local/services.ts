import type { HandlerTable } from './client-base.js';
import type { LocalContext } from './context.js';
import { EndpointManager } from './endpoints.js';
import { ModelRegistry } from './registry.js';

/** Wires the local resource services together and exposes their command handlers. */
export class LocalServices {
  readonly registry: ModelRegistry;
  readonly endpoints: EndpointManager;

  constructor(readonly context: LocalContext) {
    this.registry = new ModelRegistry(context);
    this.endpoints = new EndpointManager(context, this.registry);
  }

  async recover(): Promise<void> {
    await this.endpoints.recover();
  }

  sageMakerHandlers(): HandlerTable {
    return { ...this.registry.handlers(), ...this.endpoints.handlers() };
  }

  runtimeHandlers(): HandlerTable {
    return this.endpoints.runtimeHandlers();
  }

  async close(): Promise<void> {
    await this.endpoints.close();
  }
}
