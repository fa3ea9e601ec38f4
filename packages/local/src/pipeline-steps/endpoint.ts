import { CreateEndpointCommand, DescribeEndpointCommand, UpdateEndpointCommand } from '@aws-sdk/client-sagemaker';
import { sleep } from '../fsutil.js';
import { StepFailure } from '../pipeline-graph.js';
import { asProperties, type StepAction } from './types.js';

/** How often an Endpoint step looks at the endpoint it created or updated (local endpoints start in well under 1 s). */
const POLL_MS = 100;

/** An Endpoint step: creates the endpoint, or updates it when it exists, and waits until it is InService. */
export const endpointStep: StepAction = {
  evaluatedArguments: true,
  async run({ args, run }, { call }) {
    const endpointName = args.EndpointName as string;
    const exists = await call(DescribeEndpointCommand, { EndpointName: endpointName }).then(
      () => true,
      () => false,
    );
    await call(exists ? UpdateEndpointCommand : CreateEndpointCommand, args);
    for (;;) {
      const described = await call(DescribeEndpointCommand, { EndpointName: endpointName });
      if (described.EndpointStatus === 'Failed')
        throw new StepFailure(`Endpoint ${endpointName} failed: ${described.FailureReason}`, 'Step.SERVICE_FAULT');
      if (described.EndpointStatus === 'InService') {
        if (exists && described.EndpointConfigName !== args.EndpointConfigName)
          throw new StepFailure(
            `UpdateEndpoint ${endpointName} failed: ${described.FailureReason}`,
            'Step.SERVICE_FAULT',
          );
        const properties = asProperties(described);
        return { properties, metadata: { Endpoint: { Arn: properties.EndpointArn } } };
      }
      if (run.stopRequested) return { properties: {}, metadata: {}, stopped: true };
      await sleep(POLL_MS);
    }
  },
};
