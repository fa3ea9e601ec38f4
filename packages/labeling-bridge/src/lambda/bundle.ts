/**
 * Entry of the self-contained Lambda bundle (dist/lambda-bundle/index.mjs): the bridge and its AWS clients are
 * built during the init phase, outside the handler, so every invocation reuses them.
 */
import { bridgeFromEnv, createLambdaHandler } from './index.js';

export const handler = createLambdaHandler(bridgeFromEnv());
