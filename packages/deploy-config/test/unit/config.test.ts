import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadStageConfig,
  parseStageConfig,
  type ProdConfigInput,
  prodConfigSchema,
  StageConfigError,
  type StagingConfigInput,
  stagingConfigSchema,
} from '../../src/index.js';

const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', name);

const staging: StagingConfigInput = {
  Type: 'Serverless',
  StageName: 'staging',
  EndpointName: 'fm-staging',
  ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 20 },
};
const prod: ProdConfigInput = {
  Type: 'RealTime',
  StageName: 'prod',
  EndpointName: 'fm-prod',
  InstanceType: 'ml.m5.large',
  InitialInstanceCount: 2,
};

/** Runs `fn`, expecting a StageConfigError, and returns it. */
function configError(fn: () => unknown): StageConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StageConfigError);
    return error as StageConfigError;
  }
  throw new Error('expected a StageConfigError');
}

function issueAt(error: StageConfigError, path: string) {
  const issue = error.issues.find((i) => i.path === path);
  if (!issue) throw new Error(`no issue at ${path}; issues: ${JSON.stringify(error.issues)}`);
  return issue;
}

describe('typed format: staging (serverless)', () => {
  it('fills defaults and keeps the values', () => {
    const config = parseStageConfig(staging);
    expect(config).toEqual({
      ...staging,
      VariantName: 'AllTraffic',
      Tags: {},
    });
  });

  it.each([1024, 2048, 3072, 4096, 5120, 6144])('accepts MemorySizeInMB %i', (size) => {
    expect(
      stagingConfigSchema.parse({ ...staging, ServerlessConfig: { MemorySizeInMB: size, MaxConcurrency: 1 } })
        .ServerlessConfig.MemorySizeInMB,
    ).toBe(size);
  });

  it.each([0, 512, 1023, 1025, 1536, 7168, 8192])('rejects MemorySizeInMB %i and lists the allowed sizes', (size) => {
    const error = configError(() =>
      parseStageConfig(
        { ...staging, ServerlessConfig: { MemorySizeInMB: size, MaxConcurrency: 5 } },
        { file: 'staging.json' },
      ),
    );
    const issue = issueAt(error, 'ServerlessConfig.MemorySizeInMB');
    expect(issue.allowedValues).toEqual([1024, 2048, 3072, 4096, 5120, 6144]);
    expect(error.message).toContain('staging.json: ServerlessConfig.MemorySizeInMB');
    expect(error.message).toContain(`got ${size}`);
  });

  it.each([1, 200])('accepts MaxConcurrency %i', (value) => {
    expect(() =>
      parseStageConfig({ ...staging, ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: value } }),
    ).not.toThrow();
  });

  it.each([0, 201, 2.5, -1])('rejects MaxConcurrency %s', (value) => {
    const error = configError(() =>
      parseStageConfig({ ...staging, ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: value } }),
    );
    expect(issueAt(error, 'ServerlessConfig.MaxConcurrency').message).toMatch(/between 1 and 200/);
  });

  it('accepts ProvisionedConcurrency up to MaxConcurrency and rejects more', () => {
    expect(
      parseStageConfig({
        ...staging,
        ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 5, ProvisionedConcurrency: 5 },
      }),
    ).toMatchObject({
      ServerlessConfig: { ProvisionedConcurrency: 5 },
    });
    const error = configError(() =>
      parseStageConfig({
        ...staging,
        ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 5, ProvisionedConcurrency: 6 },
      }),
    );
    expect(issueAt(error, 'ServerlessConfig.ProvisionedConcurrency').message).toMatch(
      /ProvisionedConcurrency \(6\) must be <= MaxConcurrency \(5\)/,
    );
    const zero = configError(() =>
      parseStageConfig({
        ...staging,
        ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 5, ProvisionedConcurrency: 0 },
      }),
    );
    issueAt(zero, 'ServerlessConfig.ProvisionedConcurrency');
  });

  it('rejects unknown fields, a missing Type and a wrong Type with the allowed kinds', () => {
    const unknown = configError(() => parseStageConfig({ ...staging, MemorySize: 2048 }));
    expect(issueAt(unknown, 'MemorySize').message).toMatch(/unknown field/);
    const missing = configError(() => parseStageConfig({ StageName: 'staging' }));
    expect(issueAt(missing, 'Type').allowedValues).toEqual(['Serverless', 'RealTime']);
    const wrong = configError(() => parseStageConfig({ ...staging, Type: 'Lambda' }));
    expect(issueAt(wrong, 'Type').message).toContain('got "Lambda"');
  });

  it('reports every problem at once', () => {
    const error = configError(() =>
      parseStageConfig({
        ...staging,
        StageName: 'bad stage',
        ServerlessConfig: { MemorySizeInMB: 1000, MaxConcurrency: 500 },
        Tags: { 'aws:x': 'y' },
      }),
    );
    expect(error.issues.map((i) => i.path).sort()).toEqual(
      ['ServerlessConfig.MaxConcurrency', 'ServerlessConfig.MemorySizeInMB', 'StageName', 'Tags["aws:x"]'].sort(),
    );
  });
});

describe('typed format: prod (real-time)', () => {
  it('accepts auto scaling and data capture and fills their defaults', () => {
    const config = prodConfigSchema.parse({
      ...prod,
      AutoScaling: { MinCapacity: 2, MaxCapacity: 4, TargetInvocationsPerInstance: 100 },
      DataCapture: { SamplingPercentage: 100, DestinationS3Uri: 's3://bucket/capture' },
    });
    expect(config.AutoScaling).toEqual({
      MinCapacity: 2,
      MaxCapacity: 4,
      TargetInvocationsPerInstance: 100,
      ScaleInCooldownSeconds: 300,
      ScaleOutCooldownSeconds: 60,
    });
    expect(config.DataCapture).toEqual({
      SamplingPercentage: 100,
      DestinationS3Uri: 's3://bucket/capture',
      CaptureContent: ['Input', 'Output'],
    });
  });

  it.each(['m5.large', 'ml.m5', 'ML.M5.LARGE', 'ml.m5.large '])('rejects InstanceType %j', (type) => {
    const error = configError(() => parseStageConfig({ ...prod, InstanceType: type }));
    expect(issueAt(error, 'InstanceType').message).toMatch(/ml\.m5\.large/);
  });

  it('accepts InitialInstanceCount 1 and rejects 0 and fractions', () => {
    expect(() => parseStageConfig({ ...prod, InitialInstanceCount: 1 })).not.toThrow();
    issueAt(
      configError(() => parseStageConfig({ ...prod, InitialInstanceCount: 0 })),
      'InitialInstanceCount',
    );
    issueAt(
      configError(() => parseStageConfig({ ...prod, InitialInstanceCount: 1.5 })),
      'InitialInstanceCount',
    );
  });

  it('checks the auto scaling bounds', () => {
    const inverted = configError(() =>
      parseStageConfig({ ...prod, AutoScaling: { MinCapacity: 3, MaxCapacity: 2, TargetInvocationsPerInstance: 10 } }),
    );
    expect(issueAt(inverted, 'AutoScaling.MaxCapacity').message).toMatch(/>= MinCapacity/);
    const outside = configError(() =>
      parseStageConfig({
        ...prod,
        InitialInstanceCount: 5,
        AutoScaling: { MinCapacity: 1, MaxCapacity: 4, TargetInvocationsPerInstance: 10 },
      }),
    );
    expect(issueAt(outside, 'InitialInstanceCount').message).toMatch(
      /between AutoScaling.MinCapacity \(1\) and AutoScaling.MaxCapacity \(4\)/,
    );
    issueAt(
      configError(() =>
        parseStageConfig({
          ...prod,
          AutoScaling: { MinCapacity: 0, MaxCapacity: 2, TargetInvocationsPerInstance: 10 },
        }),
      ),
      'AutoScaling.MinCapacity',
    );
    issueAt(
      configError(() =>
        parseStageConfig({ ...prod, AutoScaling: { MinCapacity: 1, MaxCapacity: 2, TargetInvocationsPerInstance: 0 } }),
      ),
      'AutoScaling.TargetInvocationsPerInstance',
    );
    issueAt(
      configError(() => parseStageConfig({ ...prod, AutoScaling: { MinCapacity: 1, MaxCapacity: 2 } })),
      'AutoScaling.TargetInvocationsPerInstance',
    );
  });

  it('checks data capture sampling percentage, URI and capture modes', () => {
    const capture = (DataCapture: unknown) => ({ ...prod, DataCapture });
    expect(() => parseStageConfig(capture({ SamplingPercentage: 0, DestinationS3Uri: 's3://bkt/x' }))).not.toThrow();
    issueAt(
      configError(() => parseStageConfig(capture({ SamplingPercentage: 101, DestinationS3Uri: 's3://bkt/x' }))),
      'DataCapture.SamplingPercentage',
    );
    issueAt(
      configError(() => parseStageConfig(capture({ SamplingPercentage: -1, DestinationS3Uri: 's3://bkt/x' }))),
      'DataCapture.SamplingPercentage',
    );
    issueAt(
      configError(() => parseStageConfig(capture({ SamplingPercentage: 10, DestinationS3Uri: 'https://b1/x' }))),
      'DataCapture.DestinationS3Uri',
    );
    const mode = configError(() =>
      parseStageConfig(
        capture({ SamplingPercentage: 10, DestinationS3Uri: 's3://bkt/x', CaptureContent: ['Input', 'Both'] }),
      ),
    );
    expect(issueAt(mode, 'DataCapture.CaptureContent[1]').allowedValues).toEqual(['Input', 'Output']);
  });

  it('validates variant name, KMS key and tags', () => {
    issueAt(
      configError(() => parseStageConfig({ ...prod, VariantName: 'all traffic' })),
      'VariantName',
    );
    issueAt(
      configError(() => parseStageConfig({ ...prod, KmsKeyId: '' })),
      'KmsKeyId',
    );
    issueAt(
      configError(() => parseStageConfig({ ...prod, Tags: { team: 5 } })),
      'Tags.team',
    );
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    issueAt(
      configError(() => parseStageConfig({ ...prod, Tags: tooMany })),
      'Tags',
    );
  });
});

describe('endpoint name pattern', () => {
  it('resolves {ProjectName} and {StageName}', () => {
    expect(
      parseStageConfig({ ...prod, EndpointName: '{ProjectName}-{StageName}' }, { projectName: 'fashion' }).EndpointName,
    ).toBe('fashion-prod');
    expect(parseStageConfig({ ...prod, EndpointName: undefined }, { projectName: 'fashion' }).EndpointName).toBe(
      'fashion-prod',
    );
  });

  it('says how to fix a missing project name, an unknown placeholder and an invalid result', () => {
    expect(
      issueAt(
        configError(() => parseStageConfig({ ...prod, EndpointName: '{ProjectName}-x' })),
        'EndpointName',
      ).message,
    ).toMatch(/pass \{ projectName \}/);
    expect(
      issueAt(
        configError(() => parseStageConfig({ ...prod, EndpointName: '{Project}-x' })),
        'EndpointName',
      ).allowedValues,
    ).toEqual(['{ProjectName}', '{StageName}']);
    expect(
      issueAt(
        configError(() => parseStageConfig({ ...prod, EndpointName: '{ProjectName}' }, { projectName: 'a_b' })),
        'EndpointName',
      ).message,
    ).toMatch(/resolves to "a_b"/);
    issueAt(
      configError(() => parseStageConfig({ ...prod, EndpointName: 'x'.repeat(64) })),
      'EndpointName',
    );
  });
});

describe('MLOps template format ({"Parameters", "Tags"})', () => {
  it('loads the serverless template staging-config.json verbatim', async () => {
    const config = await loadStageConfig(fixture('staging-config.json'), { projectName: 'abalone' });
    expect(config).toEqual({
      Type: 'Serverless',
      StageName: 'staging',
      EndpointName: 'abalone-staging',
      VariantName: 'AllTraffic',
      Tags: {},
      ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 20 },
    });
  });

  it('loads the serverless template prod-config.json verbatim (data capture destination from the build step)', async () => {
    const config = await loadStageConfig(fixture('prod-config.json'), {
      projectName: 'abalone',
      dataCaptureUploadPath: 's3://artifacts/datacapture-prod',
    });
    expect(config).toEqual({
      Type: 'RealTime',
      StageName: 'prod',
      EndpointName: 'abalone-prod',
      VariantName: 'AllTraffic',
      Tags: {},
      InstanceType: 'ml.m5.large',
      InitialInstanceCount: 1,
      DataCapture: {
        SamplingPercentage: 80,
        DestinationS3Uri: 's3://artifacts/datacapture-prod',
        CaptureContent: ['Input', 'Output'],
      },
    });
  });

  it('loads the standard template (real-time staging) and the project name from SageMakerProjectName', () => {
    const config = parseStageConfig({
      Parameters: {
        SageMakerProjectName: 'abalone',
        StageName: 'staging',
        EndpointInstanceCount: '1',
        EndpointInstanceType: 'ml.m5.large',
      },
      Tags: { 'sagemaker:deployment-stage': 'staging' },
    });
    expect(config).toMatchObject({
      Type: 'RealTime',
      EndpointName: 'abalone-staging',
      InitialInstanceCount: 1,
      Tags: { 'sagemaker:deployment-stage': 'staging' },
    });
  });

  it('loads our extra parameters (auto scaling, provisioned concurrency, KMS key, names)', () => {
    const config = parseStageConfig({
      Parameters: {
        StageName: 'prod',
        EndpointName: 'fm-prod',
        VariantName: 'Blue',
        KmsKeyId: 'alias/k',
        EndpointInstanceType: 'ml.c5.xlarge',
        EndpointInstanceCount: '2',
        AutoScalingMinCapacity: '2',
        AutoScalingMaxCapacity: '8',
        AutoScalingTargetInvocationsPerInstance: '500',
        EnableDataCapture: 'false',
      },
    });
    expect(config).toMatchObject({
      EndpointName: 'fm-prod',
      VariantName: 'Blue',
      KmsKeyId: 'alias/k',
      AutoScaling: { MinCapacity: 2, MaxCapacity: 8, TargetInvocationsPerInstance: 500 },
    });
    expect(config).not.toHaveProperty('DataCapture');
    const serverless = parseStageConfig({
      Parameters: {
        StageName: 'staging',
        EndpointName: 'x',
        MemorySizeInMB: '1024',
        MaxConcurrency: '10',
        ProvisionedConcurrency: '0',
      },
    });
    expect(serverless).toMatchObject({ ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 10 } });
    expect((serverless as { ServerlessConfig: object }).ServerlessConfig).not.toHaveProperty('ProvisionedConcurrency');
  });

  it('names the file, the Parameters path and the allowed values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deploy-config-'));
    const file = join(dir, 'staging-config.json');
    await writeFile(
      file,
      JSON.stringify({ Parameters: { StageName: 'staging', MemorySizeInMB: '1000', MaxConcurrency: '300' } }),
    );
    const error = await loadStageConfig(file, { projectName: 'p' }).then(
      () => undefined,
      (e: unknown) => e as StageConfigError,
    );
    expect(error).toBeInstanceOf(StageConfigError);
    expect(error!.file).toBe(file);
    expect(issueAt(error!, 'Parameters.MemorySizeInMB')).toMatchObject({
      allowedValues: [1024, 2048, 3072, 4096, 5120, 6144],
    });
    expect(issueAt(error!, 'Parameters.MaxConcurrency').message).toMatch(/between 1 and 200.*got 300/);
    expect(error!.message).toContain(
      `${file}: Parameters.MemorySizeInMB: MemorySizeInMB must be a memory size in 1 GB steps (got 1000) (allowed values: 1024, 2048, 3072, 4096, 5120, 6144)`,
    );
  });

  it('rejects unknown parameters with the list of known ones', () => {
    const error = configError(() =>
      parseStageConfig(
        { Parameters: { StageName: 'staging', MemorySizeInMB: '1024', MaxConcurency: '2' } },
        { file: 'staging-config.json' },
      ),
    );
    const issue = issueAt(error, 'Parameters.MaxConcurency');
    expect(issue.message).toMatch(/unknown parameter/);
    expect(issue.allowedValues).toContain('MaxConcurrency');
  });

  // A minimal valid real-time template; each case below breaks one thing in it (or in a serverless one).
  const realTime = {
    StageName: 'prod',
    EndpointName: 'e',
    EndpointInstanceType: 'ml.m5.large',
    EndpointInstanceCount: '1',
  };
  const withCapture = { ...realTime, EnableDataCapture: 'true' };
  const rejected: Array<{ case: string; template: Record<string, unknown>; path: string; message?: RegExp }> = [
    {
      case: 'neither kind',
      template: { Parameters: { StageName: 'staging' } },
      path: 'Parameters',
      message: /MemorySizeInMB and MaxConcurrency.*EndpointInstanceType/,
    },
    {
      case: 'an instance type without the ml. prefix',
      template: { Parameters: { ...realTime, EndpointInstanceType: 'm5.large' } },
      path: 'Parameters.EndpointInstanceType',
    },
    {
      case: 'a word for the instance count',
      template: { Parameters: { ...realTime, EndpointInstanceCount: 'two' } },
      path: 'Parameters.EndpointInstanceCount',
      message: /got "two"/,
    },
    {
      case: 'no instance count',
      template: { Parameters: { StageName: 'prod', EndpointName: 'e', EndpointInstanceType: 'ml.m5.large' } },
      path: 'Parameters.EndpointInstanceCount',
    },
    {
      case: 'capture without a destination',
      template: { Parameters: withCapture },
      path: 'Parameters.DataCaptureUploadPath',
      message: /dataCaptureUploadPath/,
    },
    {
      case: 'a sampling percentage over 100',
      template: { Parameters: { ...withCapture, SamplingPercentage: '120', DataCaptureUploadPath: 's3://bkt/c' } },
      path: 'Parameters.SamplingPercentage',
    },
    {
      case: 'capture on a serverless endpoint',
      template: {
        Parameters: { StageName: 'staging', EndpointName: 'e', MemorySizeInMB: '1024', EnableDataCapture: 'true' },
      },
      path: 'Parameters.EnableDataCapture',
      message: /serverless endpoints do not support data capture/,
    },
    {
      case: 'a maximum capacity without a minimum',
      template: { Parameters: { ...realTime, AutoScalingMaxCapacity: '4' } },
      path: 'Parameters.AutoScalingMinCapacity',
    },
    {
      case: 'no endpoint name and no project name',
      template: { Parameters: { StageName: 'staging', MemorySizeInMB: '1024', MaxConcurrency: '2' } },
      path: 'Parameters.SageMakerProjectName',
    },
    {
      case: 'a tag value that is not a string',
      template: {
        Parameters: { StageName: 'x', EndpointName: 'e', MemorySizeInMB: 1024, MaxConcurrency: '2' },
        Tags: { a: 1 },
      },
      path: 'Tags.a',
    },
    {
      case: 'a list where a value belongs',
      template: { Parameters: { StageName: 'x', EndpointName: 'e', MemorySizeInMB: ['1024'] } },
      path: 'Parameters.MemorySizeInMB',
    },
  ];

  it.each(rejected)('rejects $case, at $path', ({ template, path, message }) => {
    const issue = issueAt(
      configError(() => parseStageConfig(template)),
      path,
    );
    if (message) expect(issue.message).toMatch(message);
  });

  it('lists the allowed values of EnableDataCapture', () => {
    const issue = issueAt(
      configError(() => parseStageConfig({ Parameters: { ...realTime, EnableDataCapture: 'yes' } })),
      'Parameters.EnableDataCapture',
    );
    expect(issue.allowedValues).toEqual(['true', 'false']);
  });

  it('names the file for unreadable and malformed JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deploy-config-'));
    const file = join(dir, 'prod-config.json');
    await writeFile(file, '{"Parameters": {');
    await expect(loadStageConfig(file)).rejects.toThrow(`${file}: (root): not valid JSON`);
    await expect(loadStageConfig(join(dir, 'missing.json'))).rejects.toThrow(
      /missing\.json: \(root\): cannot read the file/,
    );
  });

  it('loads our typed fixtures', async () => {
    await expect(loadStageConfig(fixture('typed-staging.json'), { projectName: 'fm' })).resolves.toMatchObject({
      EndpointName: 'fm-staging',
      ServerlessConfig: { ProvisionedConcurrency: 2 },
    });
    await expect(loadStageConfig(fixture('typed-prod.json'))).resolves.toMatchObject({
      EndpointName: 'fashion-mnist-prod',
      AutoScaling: { MaxCapacity: 6 },
    });
  });
});
