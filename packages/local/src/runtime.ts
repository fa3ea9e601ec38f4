import { SageMakerRuntimeClient, type SageMakerRuntimeClientConfig } from '@aws-sdk/client-sagemaker-runtime';
import { dispatch, type HandlerTable } from './client-base.js';

/** A SageMakerRuntimeClient whose InvokeEndpoint reaches the local endpoint host processes. */
export class LocalSageMakerRuntimeClient extends SageMakerRuntimeClient {
  readonly #handlers: HandlerTable;

  constructor(handlers: HandlerTable, config: SageMakerRuntimeClientConfig = {}) {
    super({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...config });
    this.#handlers = handlers;
    // Replacing send on the instance keeps the SDK's typed overloads for callers.
    this.send = ((command: unknown, optionsOrCb?: unknown, cb?: unknown) =>
      // Its only handler, InvokeEndpoint, stores nothing of its input, so the request body need not be copied per call.
      dispatch(
        'LocalSageMakerRuntimeClient',
        this.#handlers,
        command,
        optionsOrCb,
        cb,
        false,
      )) as SageMakerRuntimeClient['send'];
  }
}
