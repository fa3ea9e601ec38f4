import { readFile, stat } from 'node:fs/promises';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { EndpointClient } from '../client.js';
import { EndpointInvocationError } from '../errors.js';

/**
 * Set-up mistakes are not model failures: the CLI reports each one once, with what to do, and exits 2 before it
 * tests any image (instead of one identical error line per image and exit 1).
 */

/** `--local` must name an existing state folder; local mode would silently create an empty one. */
export async function localStateProblem(stateDir: string): Promise<string | undefined> {
  const info = await stat(stateDir).catch(() => undefined);
  if (info?.isDirectory()) return undefined;
  return info
    ? `--local: ${stateDir} is a file, not a local-mode state folder`
    : `--local: no local-mode state folder at ${stateDir} (pass the folder your local-mode app uses, e.g. .sagemaker-local; sm-endpoint-test never creates one)`;
}

/** The region and credentials resolve (no network call): what the SDK would otherwise fail every request with. */
export async function awsConfigProblem(runtime: SageMakerRuntimeClient): Promise<string | undefined> {
  try {
    await runtime.config.region();
  } catch {
    return 'no AWS region: pass --region, or set AWS_REGION (or a region in your AWS profile)';
  }
  try {
    const credentials = runtime.config.credentials as unknown as (() => Promise<unknown>) | undefined;
    if (typeof credentials === 'function') await credentials();
  } catch (error) {
    return `no AWS credentials: ${firstLine(error)}. Configure them (aws configure, aws sso login, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or test a local-mode endpoint with --local`;
  }
  return undefined;
}

const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'AccessDeniedException',
  'CredentialsProviderError',
]);
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/**
 * One invocation with the first image: an unknown endpoint, refused credentials or an unreachable service is a
 * set-up problem. Any other outcome (an answer, a model error) is left to the test itself to judge.
 */
export async function endpointProblem(client: EndpointClient, firstImage: string): Promise<string | undefined> {
  try {
    await client.invoke(await readFile(firstImage), { contentType: 'application/x-image' });
    return undefined;
  } catch (error) {
    if (!(error instanceof EndpointInvocationError)) return undefined;
    const { errorType, endpointMessage, endpointName } = error;
    if (errorType === 'ValidationError' && /not found|does not exist/i.test(endpointMessage))
      return `endpoint '${endpointName}' does not exist here: ${endpointMessage} (check --endpoint, --region or --local)`;
    if (CREDENTIAL_ERRORS.has(errorType)) return `the credentials were refused (${errorType}): ${endpointMessage}`;
    if (NETWORK_ERRORS.has(errorType)) return `cannot reach SageMaker Runtime (${errorType}): ${endpointMessage}`;
    return undefined;
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
