import { SageMakerRuntimeClient, type SageMakerRuntimeClientConfig } from '@aws-sdk/client-sagemaker-runtime';
import type { CommandTable } from './dispatch.js';

/** A SageMakerRuntimeClient whose InvokeEndpoint reaches the local endpoint host processes. */
export class LocalSageMakerRuntimeClient extends SageMakerRuntimeClient {
  constructor(commands: CommandTable, config: SageMakerRuntimeClientConfig = {}) {
    super({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...config });
    // Replacing send on the instance keeps the SDK's typed overloads for callers. InvokeEndpoint stores nothing
    // of its input, so the request body is not copied per call.
    this.send = ((command: unknown, optionsOrCb?: unknown, cb?: unknown) =>
      commands.send(command, optionsOrCb, cb, false)) as SageMakerRuntimeClient['send'];
  }
}
