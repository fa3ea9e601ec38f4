import { deployImages } from './endpoint-config-rules.js';
import type { EndpointManager } from './endpoints.js';
import { now } from './listing.js';
import { ownerAlive, type ResourceStore } from './store.js';
import type { Rec } from './untyped.js';

/** Deploying an endpoint's config: CreateEndpoint and UpdateEndpoint after they have returned. */

/** CreateEndpoint's work: the config's model servers started, then the endpoint InService (or Failed, with why). */
export async function runCreate(manager: EndpointManager, name: string, configName: string): Promise<void> {
  try {
    const config = await manager.describeConfig(configName);
    const deployment = await manager.buildDeployment(name, configName, true);
    if (manager.isClosed || !(await manager.endpoints.get(name))) {
      await manager.stopDeployment(deployment);
      return;
    }
    manager.install(name, deployment);
    const variants = await deployImages(manager.registry, config);
    await manager.endpoints.update(name, (e) => ({
      ...e,
      ProductionVariants: variants,
      EndpointStatus: 'InService',
      LastModifiedTime: now(),
    }));
    manager.ctx.log('endpoint', name, 'progress', `endpoint ${name} is InService (config ${configName})`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (await manager.endpoints.get(name)) {
      await manager.endpoints.update(name, (e) => ({
        ...e,
        EndpointStatus: 'Failed',
        FailureReason: reason,
        LastModifiedTime: now(),
      }));
    }
    manager.ctx.log('endpoint', name, 'progress', `endpoint ${name} failed: ${reason}`);
  }
}

/**
 * Blue/green swap: the new config's processes start and pass /ping while the old ones keep serving;
 * then new requests go to the new deployment and the old one stops once its in-flight requests finish.
 * A failure leaves the old config serving, with the endpoint InService and FailureReason set (as on AWS).
 */
export async function runUpdate(manager: EndpointManager, name: string, configName: string): Promise<void> {
  try {
    const config = await manager.describeConfig(configName);
    const next = await manager.buildDeployment(name, configName, true);
    if (manager.isClosed) {
      await manager.stopDeployment(next);
      return;
    }
    const previous = manager.install(name, next);
    const variants = await deployImages(manager.registry, config);
    await manager.endpoints.update(name, (e) => {
      const { FailureReason: _old, ...rest } = e ?? {};
      return {
        ...rest,
        EndpointConfigName: configName,
        ProductionVariants: variants,
        EndpointStatus: 'InService',
        LastModifiedTime: now(),
      };
    });
    manager.ctx.log('endpoint', name, 'progress', `endpoint ${name} now serves config ${configName}`);
    if (previous) {
      if (previous.inFlight > 0) await new Promise<void>((resolve) => (previous.drained = resolve));
      await manager.stopDeployment(previous);
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await manager.endpoints.update(name, (e) => ({
      ...e,
      EndpointStatus: 'InService',
      FailureReason: `UpdateEndpoint to ${configName} failed; the previous config is still serving: ${reason}`,
      LastModifiedTime: now(),
    }));
    manager.ctx.log('endpoint', name, 'progress', `update of endpoint ${name} failed: ${reason}`);
  }
}

/** Endpoints left Creating/Updating by a process that stopped are settled: state must not stay in limbo. */
export async function recoverEndpoints(endpoints: ResourceStore<Rec>): Promise<void> {
  for (const endpoint of await endpoints.list()) {
    if (ownerAlive(endpoint)) continue;
    if (endpoint.EndpointStatus === 'Creating') {
      await endpoints.update(endpoint.EndpointName, (e) => ({
        ...e,
        EndpointStatus: 'Failed',
        FailureReason: 'Local mode stopped while the endpoint was being created; delete and create it again.',
      }));
    } else if (endpoint.EndpointStatus === 'Updating') {
      await endpoints.update(endpoint.EndpointName, (e) => ({
        ...e,
        EndpointStatus: 'InService',
        FailureReason: 'Local mode stopped during UpdateEndpoint; the previous endpoint config is still serving.',
      }));
    }
  }
}
