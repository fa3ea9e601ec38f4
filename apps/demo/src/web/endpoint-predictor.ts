import { DescribeEndpointCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import {
  EndpointClient,
  EndpointClientError,
  EndpointInvocationError,
  imagePredictionCodec,
} from '@sagemaker-mlops/endpoint-client';
import type { Stage, StageStatus } from './contract.js';
import { EndpointUnavailableError, ModelInvocationError } from './errors.js';
import type { StagePredictor } from './predictor.js';

/** Errors of the runtime that mean "nothing is serving there", as opposed to "the model failed". */
const UNAVAILABLE_ERRORS = new Set([
  'ResourceNotFound',
  'ValidationError', // AWS answers ValidationError "Endpoint X of account Y not found" for a missing endpoint
  'ModelNotReadyException',
  'ServiceUnavailable',
  'ThrottlingException',
  'InternalFailure',
  'ECONNREFUSED',
  'ECONNRESET',
]);

export interface EndpointStagePredictorOptions {
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  endpoints: Record<Stage, string>;
  /** Per-call deadline, retries included. Default 60 s (a serverless cold start can take tens of seconds). */
  timeoutMs?: number;
}

/** Predicts through `@sagemaker-mlops/endpoint-client`: staging is serverless (4 MB limit), prod real-time (6 MB). */
export function endpointStagePredictor(options: EndpointStagePredictorOptions): StagePredictor {
  const clients: Record<Stage, EndpointClient> = {
    staging: new EndpointClient({
      endpointName: options.endpoints.staging,
      runtime: options.runtime,
      endpointKind: 'Serverless',
      timeoutMs: options.timeoutMs ?? 60_000,
    }),
    prod: new EndpointClient({
      endpointName: options.endpoints.prod,
      runtime: options.runtime,
      endpointKind: 'RealTime',
      timeoutMs: options.timeoutMs ?? 60_000,
    }),
  };

  async function describe(stage: Stage): Promise<StageStatus> {
    const endpointName = options.endpoints[stage];
    try {
      const endpoint = await options.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
      return { stage, endpointName, status: endpoint.EndpointStatus ?? 'Unknown' };
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      const message = (error as Error).message ?? '';
      if (name === 'ResourceNotFound' || /could not find|not found/i.test(message)) {
        return { stage, endpointName, status: 'NotDeployed' };
      }
      throw new EndpointUnavailableError(
        `Cannot ask SageMaker about the ${stage} endpoint "${endpointName}": ${message}`,
        stage,
        endpointName,
        error,
      );
    }
  }

  return {
    describeStages: () => Promise.all([describe('staging'), describe('prod')]),
    async predict(stage, image, contentType, { explain }) {
      const client = clients[stage];
      try {
        return await client.predictImage(image, {
          // The container reads `explain=true` from a Content-Type parameter; CustomAttributes reach it only
          // where the serving toolkit passes the request context on, so both are sent.
          request: {
            contentType,
            encode: (bytes: Uint8Array) => ({
              body: bytes,
              contentType: explain ? `${contentType}; explain=true` : contentType,
            }),
          },
          // The inference contract (with its optional heatmap) is endpoint-client's imagePredictionCodec.
          response: imagePredictionCodec,
          ...(explain ? { customAttributes: 'explain=true' } : {}),
        });
      } catch (error) {
        throw translate(error, stage, client.endpointName);
      }
    },
  };
}

function translate(error: unknown, stage: Stage, endpointName: string): Error {
  if (error instanceof EndpointInvocationError) {
    if (
      UNAVAILABLE_ERRORS.has(error.errorType) &&
      !(error.errorType === 'ValidationError' && !/not found/i.test(error.endpointMessage))
    ) {
      return new EndpointUnavailableError(
        `The ${stage} endpoint "${endpointName}" is down or not answering (${error.errorType}: ${error.endpointMessage}). Check \`npm run demo -- status\`.`,
        stage,
        endpointName,
        error,
      );
    }
    return new ModelInvocationError(
      `The ${stage} model could not classify this image (${error.errorType}): ${error.originalMessage ?? error.endpointMessage}`,
      stage,
      endpointName,
      error,
    );
  }
  if (error instanceof EndpointClientError && error.code === 'TIMEOUT') {
    return new EndpointUnavailableError(
      `The ${stage} endpoint "${endpointName}" did not answer in time.`,
      stage,
      endpointName,
      error,
    );
  }
  if (error instanceof EndpointClientError) {
    return new ModelInvocationError(
      `The ${stage} endpoint's answer was not usable: ${error.message}`,
      stage,
      endpointName,
      error,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
