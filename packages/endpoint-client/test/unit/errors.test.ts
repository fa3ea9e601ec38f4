/**
 * The error contract of @sagemaker-mlops/endpoint-client: one base class, a literal-typed `code` from a closed
 * list, each class named after itself, and AWS SDK exceptions passed through with their own class.
 */
import { ModelError, SageMakerRuntimeServiceException } from '@aws-sdk/client-sagemaker-runtime';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as entry from '../../src/index.js';
import * as testing from '../../src/testing/index.js';
import { passThroughSdkException } from '../../src/errors.js';

type ErrorClass = new (...args: never[]) => Error;

/** Every exported class whose instances are Errors, found from the entries so a new one cannot be missed. */
function errorClasses(exports: Record<string, unknown>): [string, ErrorClass][] {
  return Object.entries(exports).filter(
    (e): e is [string, ErrorClass] =>
      typeof e[1] === 'function' && (e[1] as { prototype?: unknown }).prototype instanceof Error,
  );
}

const details: entry.EndpointInvocationErrorDetails = {
  endpointName: 'scenes-prod',
  errorType: 'ModelError',
  httpStatus: 424,
  requestId: 'req-1',
  endpointMessage: 'boom',
  retryable: false,
  attempts: 1,
  retryBudgetExhausted: false,
};

// Constructor arguments of each class, with the code it must carry.
const CASES: Record<string, { args: unknown[]; code: entry.EndpointClientErrorCode }> = {
  EndpointClientError: { args: ['INVALID_INPUT', 'bad'], code: 'INVALID_INPUT' },
  EndpointInvocationError: { args: [details], code: 'INVOCATION_FAILED' },
  InvocationPayloadTooLargeError: {
    args: ['scenes-prod', 5_000_000, 4_194_304, 'Serverless'],
    code: 'PAYLOAD_TOO_LARGE',
  },
  InvocationTimeoutError: { args: ['scenes-prod', 100, 2], code: 'TIMEOUT' },
  InvocationAbortedError: { args: ['scenes-prod'], code: 'ABORTED' },
  ResponseDecodeError: {
    args: ['scenes-prod', 'not JSON', 'application/json', new Uint8Array([1])],
    code: 'RESPONSE_DECODE_FAILED',
  },
  InvalidInputError: { args: ['bad option'], code: 'INVALID_INPUT' },
};

const classes = [...errorClasses(entry), ...errorClasses(testing).filter(([name]) => !(name in entry))];

describe('EndpointClientError contract', () => {
  it('every exported error class has a case here (a new class must join the contract)', () => {
    expect(classes.map(([name]) => name).sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(classes)('%s is an EndpointClientError with its own name and a listed literal code', (name, Cls) => {
    const spec = CASES[name];
    if (!spec) throw new Error(`no case for ${name}`);
    const error = new Cls(...(spec.args as never[])) as entry.EndpointClientError;
    expect(error).toBeInstanceOf(entry.EndpointClientError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(spec.code);
    expect(entry.ENDPOINT_CLIENT_ERROR_CODES).toContain(error.code);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('code is a literal union, not a string', () => {
    expectTypeOf<entry.EndpointClientError['code']>().toEqualTypeOf<entry.EndpointClientErrorCode>();
    expectTypeOf<string>().not.toMatchTypeOf<entry.EndpointClientErrorCode>();
  });

  it('errors that map to HTTP carry httpStatus', () => {
    const error = new entry.EndpointInvocationError(details);
    expect(error.httpStatus).toBe(424);
  });

  it('an AWS SDK exception passes through with its own class, name and message, plus our fields', () => {
    const sdkError = new ModelError({ message: 'container said no', $metadata: { httpStatusCode: 424 } });
    const thrown = passThroughSdkException(sdkError, details);
    expect(thrown).toBe(sdkError);
    expect(thrown).toBeInstanceOf(ModelError);
    expect(thrown).toBeInstanceOf(SageMakerRuntimeServiceException);
    expect(thrown).toBeInstanceOf(entry.EndpointInvocationError);
    expect(thrown).toBeInstanceOf(entry.EndpointClientError);
    expect(thrown).not.toBeInstanceOf(entry.InvocationTimeoutError);
    expect(thrown).toMatchObject({ name: 'ModelError', message: 'container said no', code: 'INVOCATION_FAILED' });
    expect(entry.isSdkServiceException(thrown)).toBe(true);
    expect(entry.isSdkServiceException(new Error('plain'))).toBe(false);
    // An untouched SDK exception is not claimed as ours.
    expect(new ModelError({ message: 'x', $metadata: {} })).not.toBeInstanceOf(entry.EndpointClientError);
  });
});
