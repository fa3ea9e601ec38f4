import { CreateEndpointConfigCommand, DescribeEndpointConfigCommand } from '@aws-sdk/client-sagemaker';
import { asProperties, type StepAction } from './types.js';

/** An EndpointConfig step: CreateEndpointConfig, with the config described as its properties. */
export const endpointConfigStep: StepAction = {
  evaluatedArguments: true,
  async run({ args, name }, { call }) {
    const configName = args.EndpointConfigName ?? name;
    await call(CreateEndpointConfigCommand, { ...args, EndpointConfigName: configName });
    const properties = asProperties(await call(DescribeEndpointConfigCommand, { EndpointConfigName: configName }));
    return { properties, metadata: { EndpointConfig: { Arn: properties.EndpointConfigArn } } };
  },
};
