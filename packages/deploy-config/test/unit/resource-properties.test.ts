/**
 * One source for the endpoint resources: the CloudFormation properties of a stage config are the request the
 * Deployer sends (less the name CloudFormation generates), and the template declares its resources through the same
 * builders.
 */
import { describe, expect, it } from 'vitest';
import {
  endpointCloudFormationTemplate,
  endpointConfigInput,
  endpointConfigProperties,
  parseStageConfig,
} from '../../src/index.js';

const staging = parseStageConfig({
  Type: 'Serverless',
  StageName: 'staging',
  EndpointName: 'fashion-staging',
  ServerlessConfig: { MemorySizeInMB: 3072, MaxConcurrency: 50, ProvisionedConcurrency: 2 },
});
const prod = parseStageConfig({
  Type: 'RealTime',
  StageName: 'prod',
  EndpointName: 'fashion-prod',
  InstanceType: 'ml.c5.xlarge',
  InitialInstanceCount: 2,
  KmsKeyId: 'alias/mlops',
  AutoScaling: { MinCapacity: 2, MaxCapacity: 4, TargetInvocationsPerInstance: 600 },
  DataCapture: { SamplingPercentage: 80, DestinationS3Uri: 's3://mlops-artifacts/datacapture-prod', KmsKeyId: 'k' },
});

describe('endpointConfigProperties', () => {
  it.each([
    ['serverless staging', staging],
    ['real-time prod', prod],
  ])('is the Deployer request less its name (%s)', (_, config) => {
    const { EndpointConfigName, ...request } = endpointConfigInput(config, {
      endpointConfigName: 'name-v1',
      modelName: 'model-v1',
    });
    expect(EndpointConfigName).toBe('name-v1');
    expect(endpointConfigProperties(config, 'model-v1')).toEqual(request);
  });

  it('declares the template variants with the same keys', () => {
    const template = endpointCloudFormationTemplate() as {
      Resources: { EndpointConfig: { Properties: { ProductionVariants: [{ 'Fn::If': [string, object, object] }] } } };
    };
    const [, serverless, realTime] = template.Resources.EndpointConfig.Properties.ProductionVariants[0]['Fn::If'];
    const { EndpointConfigName: _a, ...s } = endpointConfigInput(staging, { endpointConfigName: 'n', modelName: 'm' });
    const { EndpointConfigName: _b, ...p } = endpointConfigInput(prod, { endpointConfigName: 'n', modelName: 'm' });
    expect(Object.keys(serverless).sort()).toEqual(Object.keys(s.ProductionVariants?.[0] ?? {}).sort());
    expect(Object.keys(realTime).sort()).toEqual(Object.keys(p.ProductionVariants?.[0] ?? {}).sort());
  });
});
