import { LocalModeUnsupportedCommandError } from './errors.js';
import { commandInput, commandName } from './s3.js';

export type Handler = (input: any) => Promise<Record<string, unknown>>;
export type HandlerTable = Record<string, Handler>;

/**
 * Shared send() body for the local clients: finds the handler for the command's name, runs it, and
 * supports the callback form of send() as the SDK does.
 */
export function dispatch(
  clientName: string,
  handlers: HandlerTable,
  command: unknown,
  optionsOrCb?: unknown,
  cb?: unknown,
  copyInput = true,
): unknown {
  const callback = (typeof optionsOrCb === 'function' ? optionsOrCb : cb) as
    | ((error: unknown, result?: unknown) => void)
    | undefined;
  const name = commandName(command).replace(/Command$/, '');
  const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
  const promise = handler
    ? Promise.resolve().then(() =>
        handler(copyInput ? structuredCloneInput(commandInput(command)) : commandInput(command)),
      )
    : Promise.reject(new LocalModeUnsupportedCommandError(clientName, `${name}Command`));
  if (callback) {
    promise.then(
      (result) => callback(null, result),
      (error: unknown) => callback(error),
    );
    return undefined;
  }
  return promise;
}

/** Handlers keep what they are given; copy it so the caller's later edits do not leak into stored state. */
function structuredCloneInput(input: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(input);
  } catch {
    return { ...input };
  }
}
