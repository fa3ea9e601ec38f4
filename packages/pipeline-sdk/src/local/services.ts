import type { HandlerTable } from './client-base.js';
import type { LocalContext } from './context.js';

/** Wires the local resource services together and exposes their command handlers. */
export class LocalServices {
  constructor(readonly context: LocalContext) {}

  async recover(): Promise<void> {}

  sageMakerHandlers(): HandlerTable {
    return {};
  }

  runtimeHandlers(): HandlerTable {
    return {};
  }

  async close(): Promise<void> {}
}
