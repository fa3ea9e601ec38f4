import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { PredictorError } from '../errors.js';

/**
 * The registered model package version behind an endpoint, as `<model package group>/<version>` (e.g.
 * `fashion-mnist/3`): endpoint → endpoint config → first variant's model → its container's model package.
 * A model deployed without a model package reports its model name instead, so the version is never invented.
 */
export async function registeredModelVersion(sagemaker: SageMakerClient, endpointName: string): Promise<string> {
  const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  const config = await sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName }),
  );
  const modelName = config.ProductionVariants?.[0]?.ModelName;
  if (!modelName)
    throw new PredictorError(
      `endpoint ${endpointName}: its config ${endpoint.EndpointConfigName} has no production variant model`,
    );
  const model = await sagemaker.send(new DescribeModelCommand({ ModelName: modelName }));
  const packageName =
    model.PrimaryContainer?.ModelPackageName ?? model.Containers?.find((c) => c.ModelPackageName)?.ModelPackageName;
  if (!packageName) return modelName;
  const pkg = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: packageName }));
  if (pkg.ModelPackageGroupName && pkg.ModelPackageVersion !== undefined)
    return `${pkg.ModelPackageGroupName}/${pkg.ModelPackageVersion}`;
  return pkg.ModelPackageName ?? packageName;
}
