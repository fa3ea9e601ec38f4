import { InvalidArgumentError, RetryPolicyError } from '../errors.js';
import type { JsonValue } from '../expressions.js';

/** `CacheConfig`: reuse a previous successful run of the step with the same arguments. */
export interface CacheConfig {
  enabled: boolean;
  /** ISO-8601 duration, e.g. `PT1H`, `P30D`. */
  expireAfter?: string;
}

export type StepExceptionType = 'Step.SERVICE_FAULT' | 'Step.THROTTLING';
export type SageMakerJobExceptionType =
  | 'SageMaker.JOB_INTERNAL_ERROR'
  | 'SageMaker.CAPACITY_ERROR'
  | 'SageMaker.RESOURCE_LIMIT';

/**
 * A retry policy, validated as the Python SDK's StepRetryPolicy / SageMakerJobStepRetryPolicy: one policy
 * holds either `Step.*` or `SageMaker.*` exception types; `maxAttempts` (1..20) and `expireAfterMin`
 * (0..14400) may each be given or not (neither and both are accepted), and a 0 is left out of the definition.
 */
export interface RetryPolicy {
  exceptionTypes: readonly StepExceptionType[] | readonly SageMakerJobExceptionType[];
  /** Seconds before the first retry (default 1). */
  intervalSeconds?: number;
  /** Multiplier of the interval per retry (default 2.0). */
  backoffRate?: number;
  maxAttempts?: number;
  expireAfterMin?: number;
}

const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;
const STEP_TYPES = new Set<string>(['Step.SERVICE_FAULT', 'Step.THROTTLING']);
const SAGEMAKER_TYPES = new Set<string>([
  'SageMaker.JOB_INTERNAL_ERROR',
  'SageMaker.CAPACITY_ERROR',
  'SageMaker.RESOURCE_LIMIT',
]);
export const MAX_RETRY_ATTEMPTS = 20;
export const MAX_RETRY_EXPIRE_AFTER_MIN = 14400;

export function cacheConfigJson(stepName: string, config: CacheConfig): { [key: string]: JsonValue } {
  if (typeof config.enabled !== 'boolean') {
    throw new InvalidArgumentError('CacheConfig.enabled must be true or false', {
      stepName,
      path: 'CacheConfig.Enabled',
    });
  }
  const json: { [key: string]: JsonValue } = { Enabled: config.enabled };
  if (config.expireAfter !== undefined) {
    if (!ISO_DURATION.test(config.expireAfter)) {
      throw new InvalidArgumentError(
        `CacheConfig.expireAfter '${config.expireAfter}' is not an ISO-8601 duration (e.g. 'PT1H', 'P30D')`,
        { stepName, path: 'CacheConfig.ExpireAfter' },
      );
    }
    json.ExpireAfter = config.expireAfter;
  }
  return json;
}

export interface RetryPolicyRules {
  /** Model and RegisterModel steps refuse `SageMaker.*` types, as the Python SDK's ModelStep does. */
  allowSageMakerJobTypes: boolean;
}

/** A policy in definition JSON; validation and dropped zeros follow the Python SDK's `RetryPolicy.to_request`. */
export function retryPolicyJson(
  stepName: string,
  policy: RetryPolicy,
  index: number,
  rules: RetryPolicyRules,
): { [key: string]: JsonValue } {
  const path = `RetryPolicies[${index}]`;
  const fail = (message: string, field: string): never => {
    throw new RetryPolicyError(message, { stepName, path: `${path}.${field}` });
  };
  const types: readonly string[] = Array.isArray(policy.exceptionTypes) ? policy.exceptionTypes : [];
  if (!Array.isArray(policy.exceptionTypes)) fail('exceptionTypes must be a list of exception types', 'ExceptionType');
  const sageMaker = types.some((t) => SAGEMAKER_TYPES.has(t));
  for (const type of types) {
    if (!STEP_TYPES.has(type) && !SAGEMAKER_TYPES.has(type)) {
      fail(
        `unknown exception type '${type}' (expected one of ${[...STEP_TYPES, ...SAGEMAKER_TYPES].join(', ')})`,
        'ExceptionType',
      );
    }
    if (sageMaker && STEP_TYPES.has(type)) {
      fail(
        `'${type}' and SageMaker.* types cannot share a policy (the Python SDK's StepRetryPolicy and SageMakerJobStepRetryPolicy are separate): use two policies`,
        'ExceptionType',
      );
    }
  }
  if (sageMaker && !rules.allowSageMakerJobTypes) {
    fail(
      'SageMaker.* exception types are not allowed on a create/register model step (as in the Python SDK): use Step.SERVICE_FAULT / Step.THROTTLING',
      'ExceptionType',
    );
  }
  // Python validates only truthy values (`if value:`) and emits only truthy ones, so 0 means "not set".
  const { maxAttempts, expireAfterMin } = policy;
  if (maxAttempts && !(maxAttempts >= 1 && maxAttempts <= MAX_RETRY_ATTEMPTS)) {
    fail(`maxAttempts ${maxAttempts} is out of range: use 1 to ${MAX_RETRY_ATTEMPTS}`, 'MaxAttempts');
  }
  if (expireAfterMin && !(expireAfterMin >= 0 && expireAfterMin <= MAX_RETRY_EXPIRE_AFTER_MIN)) {
    fail(`expireAfterMin ${expireAfterMin} is out of range: use 0 to ${MAX_RETRY_EXPIRE_AFTER_MIN}`, 'ExpireAfterMin');
  }
  const backoffRate = policy.backoffRate ?? 2.0;
  const intervalSeconds = policy.intervalSeconds ?? 1;
  if (!(backoffRate >= 0)) fail(`backoffRate ${backoffRate} must be non-negative`, 'BackoffRate');
  if (!(intervalSeconds >= 0)) fail(`intervalSeconds ${intervalSeconds} must be non-negative`, 'IntervalSeconds');
  const json: { [key: string]: JsonValue } = {
    BackoffRate: backoffRate,
    IntervalSeconds: intervalSeconds,
  };
  if (maxAttempts) json.MaxAttempts = maxAttempts;
  if (expireAfterMin) json.ExpireAfterMin = expireAfterMin;
  json.ExceptionType = [...types];
  return json;
}
