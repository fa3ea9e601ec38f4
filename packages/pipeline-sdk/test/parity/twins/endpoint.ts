import { EndpointConfigStep, EndpointStep, ModelStep, ParameterString, Pipeline } from '../../../src/index.js';
import { BUCKET, IMAGE, ROLE } from './common.js';

export function build(): Pipeline {
  const instanceType = new ParameterString({ name: 'EndpointInstanceType', defaultValue: 'ml.m5.large' });
  const model = new ModelStep({
    name: 'CreateModel-CreateModel',
    arguments: {
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGE, Environment: {}, ModelDataUrl: `s3://${BUCKET}/models/model.tar.gz` },
    },
  });
  const config = new EndpointConfigStep({
    name: 'EndpointConfig',
    arguments: {
      EndpointConfigName: 'parity-endpoint-config',
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: model.properties.ModelName,
          InitialVariantWeight: 1,
          InitialInstanceCount: 1,
          InstanceType: instanceType,
        },
      ],
      Tags: [],
    },
  });
  const endpoint = new EndpointStep({
    name: 'Endpoint',
    arguments: { EndpointName: 'parity-endpoint', EndpointConfigName: config.properties.EndpointConfigName, Tags: [] },
  });
  return new Pipeline({ name: 'Endpoint', parameters: [instanceType], steps: [model, config, endpoint] });
}
