import { z } from 'zod';

/** Memory sizes a serverless variant accepts (1 GB steps, `ProductionVariantServerlessConfig`). */
export const SERVERLESS_MEMORY_SIZES_MB = [1024, 2048, 3072, 4096, 5120, 6144] as const;
export const SERVERLESS_MAX_CONCURRENCY = { min: 1, max: 200 } as const;

/** SageMaker resource names (endpoint, endpoint config, model, variant). */
export const SAGEMAKER_NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
/** Placeholders an `EndpointName` may contain; resolved when the config is loaded. */
export const ENDPOINT_NAME_PLACEHOLDERS = ['{ProjectName}', '{StageName}'] as const;
/** The MLOps project template names endpoints `${SageMakerProjectName}-${StageName}`. */
export const DEFAULT_ENDPOINT_NAME = '{ProjectName}-{StageName}';
export const DEFAULT_VARIANT_NAME = 'AllTraffic';

const stageName = z.string({ error: 'must be a string' }).regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$/, {
  error: 'must be 1-32 letters, digits or hyphens, starting and ending with a letter or digit (e.g. "staging", "prod")',
});

const endpointName = z
  .string({ error: 'must be a string' })
  .default(DEFAULT_ENDPOINT_NAME)
  .superRefine((value, ctx) => {
    const unknown = value
      .match(/\{[^}]*\}/g)
      ?.filter((p) => !(ENDPOINT_NAME_PLACEHOLDERS as readonly string[]).includes(p));
    if (unknown && unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder ${unknown.join(', ')}`,
        params: { allowedValues: [...ENDPOINT_NAME_PLACEHOLDERS] },
      });
      return;
    }
    // Placeholders are checked with a stand-in value here and for real once resolved.
    const probe = value.replaceAll('{ProjectName}', 'p').replaceAll('{StageName}', 's');
    if (!SAGEMAKER_NAME_PATTERN.test(probe)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value}" is not a valid endpoint name: use 1-63 letters, digits or hyphens, starting and ending with a letter or digit`,
      });
    }
  });

const variantName = z
  .string({ error: 'must be a string' })
  .regex(SAGEMAKER_NAME_PATTERN, {
    error: 'must be 1-63 letters, digits or hyphens, starting and ending with a letter or digit',
  })
  .default(DEFAULT_VARIANT_NAME);

const tags = z
  .record(
    z
      .string()
      .min(1, { error: 'tag keys must not be empty' })
      .max(128, { error: 'tag keys are at most 128 characters' })
      .refine((key) => !key.toLowerCase().startsWith('aws:'), {
        error: 'tag keys must not start with "aws:" (reserved by AWS)',
      }),
    z.string({ error: 'tag values must be strings' }).max(256, { error: 'tag values are at most 256 characters' }),
    { error: 'must be an object of string tag values, e.g. {"team": "ml"}' },
  )
  .refine((record) => Object.keys(record).length <= 50, { error: 'at most 50 tags are allowed' })
  .default({});

const kmsKeyId = z
  .string({ error: 'must be a string (key ID, key ARN, alias name or alias ARN)' })
  .min(1, { error: 'must not be empty; omit the field to use the AWS managed key' })
  .max(2048, { error: 'is at most 2048 characters' });

const int = (what: string, min: number, max?: number) => {
  const range = max === undefined ? `>= ${min}` : `between ${min} and ${max}`;
  let schema = z
    .number({ error: `${what} must be a number ${range}` })
    .int({ error: `${what} must be a whole number ${range}` })
    .min(min, { error: `${what} must be ${range}` });
  if (max !== undefined) schema = schema.max(max, { error: `${what} must be ${range}` });
  return schema;
};

export const serverlessConfigSchema = z
  .strictObject({
    MemorySizeInMB: z.literal(SERVERLESS_MEMORY_SIZES_MB, {
      error: 'MemorySizeInMB must be a memory size in 1 GB steps',
    }),
    MaxConcurrency: int('MaxConcurrency', SERVERLESS_MAX_CONCURRENCY.min, SERVERLESS_MAX_CONCURRENCY.max),
    ProvisionedConcurrency: int(
      'ProvisionedConcurrency',
      SERVERLESS_MAX_CONCURRENCY.min,
      SERVERLESS_MAX_CONCURRENCY.max,
    ).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.ProvisionedConcurrency !== undefined && value.ProvisionedConcurrency > value.MaxConcurrency) {
      ctx.addIssue({
        code: 'custom',
        path: ['ProvisionedConcurrency'],
        message: `ProvisionedConcurrency (${value.ProvisionedConcurrency}) must be <= MaxConcurrency (${value.MaxConcurrency})`,
      });
    }
  });

export const autoScalingSchema = z
  .strictObject({
    MinCapacity: int('MinCapacity', 1),
    MaxCapacity: int('MaxCapacity', 1),
    /** Target of the `SageMakerVariantInvocationsPerInstance` metric (invocations per instance per minute). */
    TargetInvocationsPerInstance: z
      .number({ error: 'TargetInvocationsPerInstance must be a number > 0' })
      .positive({ error: 'TargetInvocationsPerInstance must be > 0' }),
    ScaleInCooldownSeconds: int('ScaleInCooldownSeconds', 0).default(300),
    ScaleOutCooldownSeconds: int('ScaleOutCooldownSeconds', 0).default(60),
  })
  .superRefine((value, ctx) => {
    if (value.MaxCapacity < value.MinCapacity) {
      ctx.addIssue({
        code: 'custom',
        path: ['MaxCapacity'],
        message: `MaxCapacity (${value.MaxCapacity}) must be >= MinCapacity (${value.MinCapacity})`,
      });
    }
  });

export const CAPTURE_MODES = ['Input', 'Output'] as const;

export const dataCaptureSchema = z.strictObject({
  SamplingPercentage: int('SamplingPercentage', 0, 100),
  DestinationS3Uri: z
    .string({ error: 'DestinationS3Uri must be a string' })
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, {
      error: 'DestinationS3Uri must be an S3 URI such as s3://bucket/datacapture-prod',
    }),
  CaptureContent: z
    .array(z.enum(CAPTURE_MODES, { error: 'capture mode must be Input or Output' }))
    .min(1, { error: 'CaptureContent needs at least one of Input, Output' })
    .default([...CAPTURE_MODES]),
  KmsKeyId: kmsKeyId.optional(),
});

const common = {
  StageName: stageName,
  EndpointName: endpointName,
  VariantName: variantName,
  KmsKeyId: kmsKeyId.optional(),
  Tags: tags,
};

/** Staging: a serverless endpoint. */
export const stagingConfigSchema = z.strictObject({
  Type: z.literal('Serverless'),
  ...common,
  ServerlessConfig: serverlessConfigSchema,
});

/** Prod: a real-time endpoint on instances, with optional auto scaling and data capture. */
export const prodConfigSchema = z
  .strictObject({
    Type: z.literal('RealTime'),
    ...common,
    InstanceType: z.string({ error: 'InstanceType must be a string' }).regex(/^ml\.[a-z0-9-]+\.[a-z0-9]+$/, {
      error: 'InstanceType must be a SageMaker instance type such as ml.m5.large',
    }),
    InitialInstanceCount: int('InitialInstanceCount', 1),
    AutoScaling: autoScalingSchema.optional(),
    DataCapture: dataCaptureSchema.optional(),
  })
  .superRefine((value, ctx) => {
    const scaling = value.AutoScaling;
    if (
      scaling &&
      (value.InitialInstanceCount < scaling.MinCapacity || value.InitialInstanceCount > scaling.MaxCapacity)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['InitialInstanceCount'],
        message: `InitialInstanceCount (${value.InitialInstanceCount}) must lie between AutoScaling.MinCapacity (${scaling.MinCapacity}) and AutoScaling.MaxCapacity (${scaling.MaxCapacity})`,
      });
    }
  });

/** Either kind of stage, told apart by `Type`. */
export const stageConfigSchema = z.discriminatedUnion('Type', [stagingConfigSchema, prodConfigSchema]);

export type StagingConfig = z.output<typeof stagingConfigSchema>;
export type ProdConfig = z.output<typeof prodConfigSchema>;
export type StageConfig = z.output<typeof stageConfigSchema>;
/** What a user writes (defaults may be left out). */
export type StagingConfigInput = z.input<typeof stagingConfigSchema>;
export type ProdConfigInput = z.input<typeof prodConfigSchema>;
export type StageConfigInput = z.input<typeof stageConfigSchema>;
export type AutoScalingConfig = z.output<typeof autoScalingSchema>;
export type DataCaptureConfig = z.output<typeof dataCaptureSchema>;
export type ServerlessConfig = z.output<typeof serverlessConfigSchema>;
