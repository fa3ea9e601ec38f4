import { SageMakerClient, type SageMakerClientConfig } from '@aws-sdk/client-sagemaker';
import type { CommandTable } from './dispatch.js';

/**
 * A SageMakerClient whose send() runs the commands in local mode (pipelines, jobs, models, the model
 * registry, endpoint configs and endpoints). Commands local mode lacks throw LocalModeUnsupportedCommandError.
 */
export class LocalSageMakerClient extends SageMakerClient {
  constructor(commands: CommandTable, config: SageMakerClientConfig = {}) {
    super({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, ...config });
    // Replacing send on the instance keeps the SDK's typed overloads for callers.
    this.send = ((command: unknown, optionsOrCb?: unknown, cb?: unknown) =>
      commands.send(command, optionsOrCb, cb)) as SageMakerClient['send'];
  }
}
