/**
 * Entry of the self-contained Lambda bundle (dist/lambda-bundle/index.mjs, its chunks, and sagemaker.mjs): the
 * environment is validated and the bridge, its S3 client and its media resolver are built during the init phase,
 * outside the handler, so every invocation reuses them.
 *
 * Deferred to the first invocation that crosses the annotation threshold (most never do): loading the SageMaker
 * client's code (sagemaker.mjs, beside index.mjs) and constructing the SageMakerClient. Both happen once; later
 * crossings reuse the client.
 */
import { bridgeFromEnv, createLambdaHandler } from './index.js';

export const handler = createLambdaHandler(bridgeFromEnv());
