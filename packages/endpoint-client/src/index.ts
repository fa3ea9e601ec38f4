export {
  EndpointClient,
  PAYLOAD_LIMITS,
  type EndpointClientOptions,
  type InvokeOptions,
  type InvokeRequest,
  type InvokeResult,
  type ManyOptions,
  type PredictOptions,
  type PredictImageOptions,
} from './client.js';
export {
  imageCodec,
  jsonCodec,
  csvCodec,
  textCodec,
  sniffImageType,
  type Codec,
  type RequestCodec,
  type ResponseCodec,
  type EncodedBody,
  type DecodeContext,
  type ImageCodecOptions,
  type ImageContentType,
  type JsonCodecOptions,
  type CsvCell,
  type CsvRows,
} from './codecs.js';
export {
  imagePredictionCodec,
  imagePredictionWireSchema,
  type ImagePrediction,
  type PredictionHeatmap,
} from './prediction.js';
export { runBounded, type ItemResult, type Progress, type RunBoundedOptions } from './concurrency.js';
export {
  classifyError,
  backoffDelay,
  type ErrorClassification,
  type RetryEvent,
  type RetryOptions,
  type RetryReason,
} from './retry.js';
export { createRuntimeClient, type CreateRuntimeClientOptions } from './runtime.js';
export {
  EndpointClientError,
  ENDPOINT_CLIENT_ERROR_CODES,
  EndpointInvocationError,
  InvocationPayloadTooLargeError,
  isSdkServiceException,
  InvocationTimeoutError,
  InvocationAbortedError,
  ResponseDecodeError,
  InvalidInputError,
  type EndpointClientErrorCode,
  type EndpointInvocationErrorDetails,
  type EndpointKind,
} from './errors.js';
