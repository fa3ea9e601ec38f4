/** Reads of a stage's SageMaker resources, where "not found" is an answer (`undefined`), not an error. */
import {
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  DescribeEndpointConfigCommand,
  type DescribeEndpointConfigCommandOutput,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { isNotFound } from '../registry.js';
import { stageConfigNamePattern } from './names.js';

export async function describeEndpoint(
  sagemaker: SageMakerClient,
  endpointName: string,
): Promise<DescribeEndpointCommandOutput | undefined> {
  try {
    return await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function describeEndpointConfig(
  sagemaker: SageMakerClient,
  name: string,
): Promise<DescribeEndpointConfigCommandOutput | undefined> {
  try {
    return await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The model package a model was created from, if it still exists and was. */
export async function modelPackageOfModel(sagemaker: SageMakerClient, modelName: string): Promise<string | undefined> {
  try {
    const model = await sagemaker.send(new DescribeModelCommand({ ModelName: modelName }));
    return model.PrimaryContainer?.ModelPackageName ?? model.Containers?.[0]?.ModelPackageName;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The endpoint configs that deployments of `endpointName` created, across every page. */
export async function stageEndpointConfigs(sagemaker: SageMakerClient, endpointName: string): Promise<string[]> {
  const { prefix, pattern } = stageConfigNamePattern(endpointName);
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sagemaker.send(
      new ListEndpointConfigsCommand({ NameContains: prefix, MaxResults: 100, NextToken: nextToken }),
    );
    for (const summary of page.EndpointConfigs ?? []) {
      if (summary.EndpointConfigName && pattern.test(summary.EndpointConfigName))
        names.push(summary.EndpointConfigName);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return names;
}

/** For `.catch`: a resource already gone is fine, anything else is rethrown. */
export function ignoreNotFound(error: unknown): void {
  if (!isNotFound(error)) throw error;
}
