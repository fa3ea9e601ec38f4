import { LocalModeUnsupportedCommandError } from './errors.js';

/**
 * An AWS SDK v3 command class (`CreateModelCommand`, `PutObjectCommand`, ...). Handlers are keyed by the class
 * itself, never by `constructor.name`, which minifiers rename.
 */
export type CommandClass = abstract new (
  ...args: never[]
) => { readonly input: object; resolveMiddleware(...args: never[]): unknown };

/** `XCommandInput` of a command class. */
export type CommandInputOf<C extends CommandClass> = InstanceType<C>['input'];

/** `XCommandOutput` of a command class (read from the type of its middleware handler). */
export type CommandOutputOf<C extends CommandClass> = InstanceType<C>['resolveMiddleware'] extends (
  ...args: never[]
) => (args: never) => Promise<{ output: infer O }>
  ? O
  : never;

export type CommandHandler<C extends CommandClass> = (input: CommandInputOf<C>) => Promise<CommandOutputOf<C>>;

type ErasedHandler = (input: object) => Promise<object>;

interface SendableCommand {
  readonly input?: object;
  /** The command's Smithy operation schema: [kind, namespace, operation name, ...]. */
  readonly schema?: unknown;
}

/**
 * The commands a local client serves: a map from the SDK's command classes to handlers typed by their
 * `XCommandInput`/`XCommandOutput`. Commands are matched by class identity; a command from a second copy of the
 * SDK package (another version installed beside ours) is matched by its Smithy operation name instead.
 */
export class CommandTable {
  readonly #byClass = new Map<CommandClass, ErasedHandler>();
  #byOperation: Map<string, ErasedHandler> | undefined;

  constructor(readonly clientName: string) {}

  on<C extends CommandClass>(command: C, handler: CommandHandler<C>): this {
    this.#byClass.set(command, handler as unknown as ErasedHandler);
    this.#byOperation = undefined;
    return this;
  }

  /** Runs a handler directly (the pipeline executor creates resources exactly as the commands do). */
  call<C extends CommandClass>(command: C, input: CommandInputOf<C>): Promise<CommandOutputOf<C>> {
    const handler = this.#byClass.get(command);
    if (!handler)
      return Promise.reject(
        new LocalModeUnsupportedCommandError(this.clientName, `${operationOf(command).split('#')[1]}Command`),
      );
    return handler(structuredClone(input)) as Promise<CommandOutputOf<C>>;
  }

  has(command: CommandClass): boolean {
    return this.#byClass.has(command);
  }

  /**
   * The body of the local clients' `send()`: finds the handler, runs it (on a copy of the input when the handler
   * may keep it, so the caller's later edits do not leak into stored state) and supports the callback form.
   */
  send(command: unknown, optionsOrCb?: unknown, cb?: unknown, copyInput = true): unknown {
    const callback = (typeof optionsOrCb === 'function' ? optionsOrCb : cb) as
      | ((error: unknown, result?: unknown) => void)
      | undefined;
    const sendable = (command ?? {}) as SendableCommand;
    const handler = this.#find(sendable);
    const input = sendable.input ?? {};
    const promise = handler
      ? Promise.resolve().then(() => handler(copyInput ? cloneInput(input) : input))
      : Promise.reject(new LocalModeUnsupportedCommandError(this.clientName, describeCommand(sendable)));
    if (!callback) return promise;
    promise.then(
      (result) => callback(null, result),
      (error: unknown) => callback(error),
    );
    return undefined;
  }

  #find(command: SendableCommand): ErasedHandler | undefined {
    const ctor = (command as { constructor?: unknown }).constructor as CommandClass | undefined;
    const direct = ctor ? this.#byClass.get(ctor) : undefined;
    if (direct) return direct;
    const operation = schemaOperation(command.schema);
    if (!operation) return undefined;
    if (!this.#byOperation) {
      this.#byOperation = new Map();
      for (const [cls, handler] of this.#byClass) this.#byOperation.set(operationOf(cls), handler);
    }
    return this.#byOperation.get(operation);
  }
}

function schemaOperation(schema: unknown): string | undefined {
  return Array.isArray(schema) && typeof schema[1] === 'string' && typeof schema[2] === 'string'
    ? `${schema[1]}#${schema[2]}`
    : undefined;
}

const operationNames = new WeakMap<CommandClass, string>();

/** "com.amazonaws.sagemaker#CreateModel" for CreateModelCommand, from a throwaway instance's schema. */
function operationOf(command: CommandClass): string {
  let name = operationNames.get(command);
  if (name === undefined) {
    const Ctor = command as unknown as new (input: object) => SendableCommand;
    name = schemaOperation(new Ctor({}).schema) ?? 'an unknown command';
    operationNames.set(command, name);
  }
  return name;
}

/** The command's name for error messages: its operation from the schema (minification-proof) + "Command". */
function describeCommand(command: SendableCommand): string {
  const operation = schemaOperation(command.schema);
  return operation ? `${operation.split('#')[1]}Command` : 'an object that is not an AWS SDK v3 command';
}

function cloneInput(input: object): object {
  try {
    return structuredClone(input);
  } catch {
    // Bodies such as streams cannot be cloned; the top level is still copied.
    return { ...input };
  }
}
