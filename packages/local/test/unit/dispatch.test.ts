import { CreateModelCommand, DescribeModelCommand, ListModelsCommand } from '@aws-sdk/client-sagemaker';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type CommandInputOf, type CommandOutputOf, CommandTable } from '../../src/dispatch.js';
import { LocalModeUnsupportedCommandError } from '../../src/errors.js';

const meta = { httpStatusCode: 200, requestId: 'r', attempts: 1, totalRetryDelay: 0 };

function table() {
  return new CommandTable('TestClient').on(CreateModelCommand, async (input) => ({
    $metadata: meta,
    ModelArn: `arn:model/${input.ModelName}`,
  }));
}

describe('CommandTable', () => {
  it('types handlers by the command class', () => {
    expectTypeOf<CommandInputOf<typeof CreateModelCommand>>().toHaveProperty('ModelName');
    expectTypeOf<CommandOutputOf<typeof ListModelsCommand>>().toHaveProperty('Models');
    new CommandTable('t').on(ListModelsCommand, async () => ({ $metadata: meta, Models: [] }));
    // @ts-expect-error the output must be ListModels' output
    new CommandTable('t').on(ListModelsCommand, async () => ({ $metadata: meta, Models: 3 }));
  });

  it('dispatches on the class, whatever the class is called (minified bundles rename it)', async () => {
    const commands = table();
    const command = new CreateModelCommand({ ModelName: 'm' });
    Object.defineProperty(command.constructor, 'name', { value: 'x' });
    await expect(commands.send(command)).resolves.toMatchObject({ ModelArn: 'arn:model/m' });
  });

  it('matches a command from another copy of the SDK by its operation', async () => {
    class CopiedCreateModelCommand {
      readonly schema = new CreateModelCommand({ ModelName: 'x' }).schema;
      constructor(readonly input: object) {}
    }
    await expect(table().send(new CopiedCreateModelCommand({ ModelName: 'copy' }))).resolves.toMatchObject({
      ModelArn: 'arn:model/copy',
    });
  });

  it('rejects commands it lacks with LocalModeUnsupportedCommandError naming the command', async () => {
    await expect(table().send(new DescribeModelCommand({ ModelName: 'm' }))).rejects.toMatchObject({
      constructor: LocalModeUnsupportedCommandError,
      client: 'TestClient',
      command: 'DescribeModelCommand',
    });
    await expect(table().call(DescribeModelCommand, { ModelName: 'm' })).rejects.toBeInstanceOf(
      LocalModeUnsupportedCommandError,
    );
  });

  it('supports the callback form and copies inputs so later edits do not leak', async () => {
    const seen: object[] = [];
    const commands = new CommandTable('t').on(CreateModelCommand, async (input) => {
      seen.push(input);
      return { $metadata: meta, ModelArn: 'a' };
    });
    const input = { ModelName: 'm', Tags: [{ Key: 'k', Value: 'v' }] };
    const result = await new Promise((resolve, reject) =>
      commands.send(new CreateModelCommand(input), (error: unknown, value: unknown) =>
        error ? reject(error) : resolve(value),
      ),
    );
    expect(result).toMatchObject({ ModelArn: 'a' });
    input.Tags[0] = { Key: 'changed', Value: 'v' };
    expect(seen[0]).toEqual({ ModelName: 'm', Tags: [{ Key: 'k', Value: 'v' }] });
  });
});
