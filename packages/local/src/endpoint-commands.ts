import {
  CreateEndpointConfigCommand,
  DescribeEndpointConfigCommand,
  type DescribeEndpointConfigCommandOutput,
  DeleteEndpointConfigCommand,
  ListEndpointConfigsCommand,
  CreateEndpointCommand,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  ListEndpointsCommand,
  UpdateEndpointCommand,
  DeleteEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import type { CommandTable } from './dispatch.js';
import { validateConfig, variantStatus } from './endpoint-config-rules.js';
import type { EndpointManager } from './endpoints.js';
import { metadata, validationException } from './errors.js';
import { now, sortItems, timeFilter } from './listing.js';
import { described, OWNER, revive } from './store.js';
import type { Rec } from './untyped.js';

/** The endpoint and endpoint config commands (Create, Describe, Update, Delete, List) on the endpoint manager. */
export function registerEndpointCommands(table: CommandTable, manager: EndpointManager): void {
  table.on(CreateEndpointConfigCommand, async (input) => {
    const name = input.EndpointConfigName as string;
    if (!name) throw validationException('CreateEndpointConfig: EndpointConfigName is required.');
    validateConfig(input);
    for (const [i, v] of (input.ProductionVariants as Rec[]).entries()) {
      if (!(await manager.registry.models.get(v.ModelName))) {
        throw validationException(
          `CreateEndpointConfig ${name}: ProductionVariants[${i}].ModelName "${v.ModelName}" does not exist; create the model first.`,
        );
      }
    }
    const arn = manager.ctx.arn('endpoint-config', name);
    await manager.configs.update(name, (current) => {
      if (current) throw validationException(`Cannot create already existing endpoint configuration "${arn}".`);
      return { ...input, EndpointConfigArn: arn, CreationTime: now() };
    });
    return { $metadata: metadata(200), EndpointConfigArn: arn };
  });
  table.on(DescribeEndpointConfigCommand, async (input) =>
    described<DescribeEndpointConfigCommandOutput>(await manager.describeConfig(input.EndpointConfigName)),
  );
  table.on(DeleteEndpointConfigCommand, async (input) => {
    await manager.describeConfig(input.EndpointConfigName);
    await manager.configs.delete(input.EndpointConfigName as string);
    return { $metadata: metadata(200) };
  });
  table.on(ListEndpointConfigsCommand, async (input) => {
    let configs = await manager.configs.list();
    if (input.NameContains)
      configs = configs.filter((c) => String(c.EndpointConfigName).includes(input.NameContains ?? ''));
    const sorted = sortItems(timeFilter(configs, input), input, 'EndpointConfigName');
    return {
      $metadata: metadata(200),
      EndpointConfigs: revive(
        sorted.map((c) => ({
          EndpointConfigName: c.EndpointConfigName,
          EndpointConfigArn: c.EndpointConfigArn,
          CreationTime: c.CreationTime,
        })),
      ),
    };
  });
  table.on(CreateEndpointCommand, async (input) => {
    const name = input.EndpointName as string;
    if (!name) throw validationException('CreateEndpoint: EndpointName is required.');
    const config = await manager.describeConfig(input.EndpointConfigName);
    const arn = manager.ctx.arn('endpoint', name);
    const time = now();
    await manager.endpoints.update(name, (current) => {
      if (current) throw validationException(`Cannot create already existing endpoint "${arn}".`);
      return {
        [OWNER]: process.pid,
        EndpointName: name,
        EndpointArn: arn,
        EndpointConfigName: input.EndpointConfigName,
        ProductionVariants: variantStatus(config),
        EndpointStatus: 'Creating',
        CreationTime: time,
        LastModifiedTime: time,
        ...(input.Tags ? { Tags: input.Tags } : {}),
      };
    });
    manager.startCreate(name, input.EndpointConfigName as string);
    return { $metadata: metadata(200), EndpointArn: arn };
  });
  table.on(DescribeEndpointCommand, async (input) => {
    const { Tags: _tags, ...endpoint } = await manager.describeEndpoint(input.EndpointName);
    return described<DescribeEndpointCommandOutput>(endpoint);
  });
  table.on(ListEndpointsCommand, async (input) => {
    let endpoints = await manager.endpoints.list();
    if (input.NameContains)
      endpoints = endpoints.filter((e) => String(e.EndpointName).includes(input.NameContains ?? ''));
    if (input.StatusEquals) endpoints = endpoints.filter((e) => e.EndpointStatus === input.StatusEquals);
    const sorted = sortItems(timeFilter(endpoints, input), input, 'EndpointName');
    return {
      $metadata: metadata(200),
      Endpoints: revive(
        sorted.map((e) => ({
          EndpointName: e.EndpointName,
          EndpointArn: e.EndpointArn,
          CreationTime: e.CreationTime,
          LastModifiedTime: e.LastModifiedTime,
          EndpointStatus: e.EndpointStatus,
        })),
      ),
    };
  });
  table.on(UpdateEndpointCommand, async (input) => {
    const name = input.EndpointName as string;
    const endpoint = await manager.describeEndpoint(name);
    if (endpoint.EndpointStatus !== 'InService') {
      throw validationException(
        `Cannot update endpoint "${endpoint.EndpointArn}" while its status is ${endpoint.EndpointStatus}; wait for InService.`,
      );
    }
    await manager.describeConfig(input.EndpointConfigName);
    await manager.endpoints.update(name, (e) => ({
      ...e,
      [OWNER]: process.pid,
      EndpointStatus: 'Updating',
      LastModifiedTime: now(),
    }));
    manager.startUpdate(name, input.EndpointConfigName as string);
    return { $metadata: metadata(200), EndpointArn: endpoint.EndpointArn };
  });
  table.on(DeleteEndpointCommand, async (input) => {
    const name = input.EndpointName as string;
    await manager.describeEndpoint(name);
    await manager.undeploy(name);
    return { $metadata: metadata(200) };
  });
}
