import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { type ConfigIssue, StageConfigError } from '../errors.js';
import { SAGEMAKER_NAME_PATTERN, type StageConfig, stageConfigSchema } from './schema.js';

export interface StageConfigLoadOptions {
  /** File the config came from; errors name it. `loadStageConfig` sets it. */
  readonly file?: string;
  /**
   * Resolves `{ProjectName}` in `EndpointName`. In the template format `Parameters.SageMakerProjectName`
   * is used when this is not given.
   */
  readonly projectName?: string;
  /**
   * Template format only: the data-capture destination when `EnableDataCapture` is "true" and the file has no
   * `DataCaptureUploadPath` (the MLOps template's build step passes `s3://<artifact bucket>/datacapture-<stage>`).
   */
  readonly dataCaptureUploadPath?: string;
}

/**
 * The `Parameters` an MLOps-template `*-config.json` may hold: the parameters of the template's
 * endpoint-config-template.yml (standard and serverless variants) plus the ones our CloudFormation output adds
 * (endpoint/variant name, KMS key, provisioned concurrency, auto scaling). All values are CloudFormation strings.
 */
export const TEMPLATE_PARAMETER_NAMES = [
  'SageMakerProjectName',
  'ModelExecutionRoleArn',
  'ModelPackageName',
  'StageName',
  'EndpointType',
  'EndpointName',
  'VariantName',
  'EndpointInstanceType',
  'EndpointInstanceCount',
  'MemorySizeInMB',
  'MaxConcurrency',
  'ProvisionedConcurrency',
  'EnableDataCapture',
  'SamplingPercentage',
  'DataCaptureUploadPath',
  'KmsKeyId',
  'AutoScalingMinCapacity',
  'AutoScalingMaxCapacity',
  'AutoScalingTargetInvocationsPerInstance',
] as const;
export type TemplateParameterName = (typeof TEMPLATE_PARAMETER_NAMES)[number];

/** CodePipeline's CloudFormation "template configuration" file, as the MLOps template writes it. */
export interface TemplateConfiguration {
  Parameters: Partial<Record<TemplateParameterName, string>>;
  Tags?: Record<string, string>;
}

const parameterValue = z
  .union([z.string(), z.number(), z.boolean()], {
    error: 'CloudFormation parameter values must be strings, e.g. "2048"',
  })
  .transform(String);

const templateConfigurationSchema = z.strictObject({
  Parameters: z.strictObject(
    Object.fromEntries(TEMPLATE_PARAMETER_NAMES.map((name) => [name, parameterValue.optional()])) as Record<
      TemplateParameterName,
      z.ZodOptional<typeof parameterValue>
    >,
    { error: 'Parameters must be an object of CloudFormation parameter values' },
  ),
  Tags: z.record(z.string(), z.string({ error: 'tag values must be strings' })).optional(),
  StackPolicy: z.unknown().optional(),
});

/** Where a field of our typed format came from in the template format, for error paths. */
const TYPED_TO_TEMPLATE_PATH: Record<string, string> = {
  Type: 'Parameters.EndpointType',
  StageName: 'Parameters.StageName',
  EndpointName: 'Parameters.EndpointName',
  VariantName: 'Parameters.VariantName',
  KmsKeyId: 'Parameters.KmsKeyId',
  'ServerlessConfig.MemorySizeInMB': 'Parameters.MemorySizeInMB',
  'ServerlessConfig.MaxConcurrency': 'Parameters.MaxConcurrency',
  'ServerlessConfig.ProvisionedConcurrency': 'Parameters.ProvisionedConcurrency',
  InstanceType: 'Parameters.EndpointInstanceType',
  InitialInstanceCount: 'Parameters.EndpointInstanceCount',
  'AutoScaling.MinCapacity': 'Parameters.AutoScalingMinCapacity',
  'AutoScaling.MaxCapacity': 'Parameters.AutoScalingMaxCapacity',
  'AutoScaling.TargetInvocationsPerInstance': 'Parameters.AutoScalingTargetInvocationsPerInstance',
  'DataCapture.SamplingPercentage': 'Parameters.SamplingPercentage',
  'DataCapture.DestinationS3Uri': 'Parameters.DataCaptureUploadPath',
};

/** Formats a zod path as a JSON path: `AutoScaling.MaxCapacity`, `Tags["team name"]`, `CaptureContent[0]`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

function describeInput(input: unknown): string {
  if (input === undefined) return 'missing';
  if (typeof input === 'string') return `got ${JSON.stringify(input)}`;
  if (typeof input === 'number' || typeof input === 'boolean' || input === null) return `got ${String(input)}`;
  return `got ${Array.isArray(input) ? 'an array' : typeof input}`;
}

function toConfigIssues(issues: readonly z.core.$ZodIssue[], mapPath: (path: string) => string): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = mapPath(formatJsonPath(issue.path));
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          out.push({
            path: mapPath(formatJsonPath([...issue.path, key])),
            message: 'unknown field; remove it or fix its spelling',
          });
        }
        break;
      case 'invalid_value':
        out.push({
          path,
          message: `${issue.message.startsWith('Invalid option') ? 'not an allowed value' : issue.message} (${describeInput(input)})`,
          allowedValues: issue.values.map((v) => v as string | number | boolean),
        });
        break;
      case 'invalid_union':
        if ('discriminator' in issue && issue.discriminator) {
          out.push({
            path,
            message: `must say which kind of stage this is (${describeInput(input && typeof input === 'object' ? (input as Record<string, unknown>)[issue.discriminator as string] : input)})`,
            allowedValues: ['Serverless', 'RealTime'],
          });
        } else {
          out.push({ path, message: issue.message });
        }
        break;
      case 'invalid_type':
        out.push({
          path,
          message:
            input === undefined
              ? `required (${issue.message.replace(/^Invalid input: /, '')})`
              : `${issue.message.replace(/^Invalid input: /, '')} (${describeInput(input)})`,
        });
        break;
      default: {
        const allowed = (issue as { params?: { allowedValues?: (string | number)[] } }).params?.allowedValues;
        const got = input !== undefined && typeof input !== 'object' ? ` (${describeInput(input)})` : '';
        out.push({ path, message: `${issue.message}${got}`, ...(allowed ? { allowedValues: allowed } : {}) });
      }
    }
  }
  return out;
}

/** Whether `input` is in the MLOps template's `{"Parameters": {...}, "Tags": {...}}` format. */
export function isTemplateConfiguration(input: unknown): input is TemplateConfiguration {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'Parameters' in input;
}

/**
 * Validates a stage config in either format — ours (`{"Type": "Serverless" | "RealTime", ...}`) or the MLOps
 * template's `{"Parameters": {...}, "Tags": {...}}` — and returns it typed, with defaults filled in and
 * `EndpointName` placeholders resolved. Throws `StageConfigError` listing every problem with its JSON path.
 */
export function parseStageConfig(input: unknown, options: StageConfigLoadOptions = {}): StageConfig {
  if (isTemplateConfiguration(input)) return parseTemplateConfiguration(input, options);
  return validateTyped(input, options, options.projectName, (path) => path);
}

/** Reads and validates a stage config file (either format); errors name the file. */
export async function loadStageConfig(
  file: string,
  options: Omit<StageConfigLoadOptions, 'file'> = {},
): Promise<StageConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new StageConfigError(file, [{ path: '', message: `cannot read the file: ${(error as Error).message}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StageConfigError(file, [{ path: '', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  return parseStageConfig(json, { ...options, file });
}

function validateTyped(
  input: unknown,
  options: StageConfigLoadOptions,
  projectName: string | undefined,
  mapPath: (path: string) => string,
): StageConfig {
  const result = stageConfigSchema.safeParse(input, { reportInput: true });
  if (!result.success) throw new StageConfigError(options.file, toConfigIssues(result.error.issues, mapPath));
  const config = result.data;
  const endpointName = resolveEndpointName(config.EndpointName, config.StageName, projectName);
  if (typeof endpointName !== 'string') {
    throw new StageConfigError(options.file, [{ path: mapPath('EndpointName'), message: endpointName.problem }]);
  }
  return { ...config, EndpointName: endpointName };
}

function resolveEndpointName(
  pattern: string,
  stageName: string,
  projectName: string | undefined,
): string | { problem: string } {
  if (pattern.includes('{ProjectName}') && !projectName) {
    return {
      problem: `"${pattern}" uses {ProjectName} but no project name is known: pass { projectName } when loading (or Parameters.SageMakerProjectName in the template format), or write the endpoint name out`,
    };
  }
  const name = pattern.replaceAll('{ProjectName}', projectName ?? '').replaceAll('{StageName}', stageName);
  if (!SAGEMAKER_NAME_PATTERN.test(name)) {
    return {
      problem: `"${pattern}" resolves to "${name}", which is not a valid endpoint name (1-63 letters, digits or hyphens, starting and ending with a letter or digit)`,
    };
  }
  return name;
}

const SERVERLESS_PARAMETERS = ['MemorySizeInMB', 'MaxConcurrency', 'ProvisionedConcurrency'] as const;
const INSTANCE_PARAMETERS = ['EndpointInstanceType', 'EndpointInstanceCount'] as const;

function parseTemplateConfiguration(input: TemplateConfiguration, options: StageConfigLoadOptions): StageConfig {
  const parsed = templateConfigurationSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const issues = toConfigIssues(parsed.error.issues, (path) => path);
    for (const issue of issues) {
      if (issue.message.startsWith('unknown field') && issue.path.startsWith('Parameters.')) {
        Object.assign(issue, {
          message: 'unknown parameter; the endpoint template has no such parameter',
          allowedValues: [...TEMPLATE_PARAMETER_NAMES],
        });
      }
    }
    throw new StageConfigError(options.file, issues);
  }
  const p = parsed.data.Parameters;
  // CloudFormation parameters are strings; an empty string means "use the template default".
  const given = (name: TemplateParameterName): string | undefined =>
    p[name] === undefined || p[name] === '' ? undefined : p[name];
  const number = (name: TemplateParameterName): number | string | undefined => {
    const value = given(name);
    return value !== undefined && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
  };
  const issues: ConfigIssue[] = [];

  const projectName = options.projectName ?? given('SageMakerProjectName');
  const givenProjectName = given('SageMakerProjectName');
  if (givenProjectName !== undefined && !/^[a-zA-Z](-*[a-zA-Z0-9]){0,31}$/.test(givenProjectName)) {
    issues.push({
      path: 'Parameters.SageMakerProjectName',
      message: "must be 1-32 letters, digits or hyphens, starting with a letter (the template's AllowedPattern)",
    });
  }
  const stageName = given('StageName');
  const endpointType = given('EndpointType');
  if (endpointType !== undefined && endpointType !== 'Serverless' && endpointType !== 'RealTime') {
    issues.push({
      path: 'Parameters.EndpointType',
      message: `not an allowed value (got ${JSON.stringify(endpointType)})`,
      allowedValues: ['Serverless', 'RealTime'],
    });
  }
  const isServerless = SERVERLESS_PARAMETERS.some(
    (name) => given(name) !== undefined && !(name === 'ProvisionedConcurrency' && given(name) === '0'),
  );
  const isInstance = INSTANCE_PARAMETERS.some((name) => given(name) !== undefined);
  if (endpointType === undefined && !isServerless && !isInstance) {
    issues.push({
      path: 'Parameters',
      message:
        'does not say what kind of endpoint this stage uses: give MemorySizeInMB and MaxConcurrency (serverless) or EndpointInstanceType and EndpointInstanceCount (real-time instances)',
    });
  }
  // The serverless template decides by stage when both kinds are given: prod runs on instances.
  const kind: 'Serverless' | 'RealTime' =
    endpointType === 'Serverless' || endpointType === 'RealTime'
      ? endpointType
      : isServerless && (!isInstance || stageName !== 'prod')
        ? 'Serverless'
        : 'RealTime';

  const enableDataCapture = given('EnableDataCapture');
  if (enableDataCapture !== undefined && enableDataCapture !== 'true' && enableDataCapture !== 'false') {
    issues.push({
      path: 'Parameters.EnableDataCapture',
      message: `not an allowed value (got ${JSON.stringify(enableDataCapture)})`,
      allowedValues: ['true', 'false'],
    });
  }
  if (kind === 'Serverless' && enableDataCapture === 'true') {
    issues.push({
      path: 'Parameters.EnableDataCapture',
      message: 'serverless endpoints do not support data capture; set it to "false" or remove it',
    });
  }
  const captureDestination = given('DataCaptureUploadPath') ?? options.dataCaptureUploadPath;
  if (kind === 'RealTime' && enableDataCapture === 'true' && captureDestination === undefined) {
    issues.push({
      path: 'Parameters.DataCaptureUploadPath',
      message:
        'EnableDataCapture is "true" but no destination is known: add DataCaptureUploadPath (s3://...) or pass { dataCaptureUploadPath } when loading',
    });
  }
  if (issues.length > 0) throw new StageConfigError(options.file, issues);

  const scalingGiven = (
    ['AutoScalingMinCapacity', 'AutoScalingMaxCapacity', 'AutoScalingTargetInvocationsPerInstance'] as const
  ).some((name) => given(name) !== undefined && given(name) !== '0');
  const provisioned = given('ProvisionedConcurrency') === '0' ? undefined : number('ProvisionedConcurrency');
  const typed: Record<string, unknown> = {
    Type: kind,
    StageName: stageName,
    ...(given('EndpointName') !== undefined ? { EndpointName: given('EndpointName') } : {}),
    ...(given('VariantName') !== undefined ? { VariantName: given('VariantName') } : {}),
    ...(given('KmsKeyId') !== undefined ? { KmsKeyId: given('KmsKeyId') } : {}),
    Tags: parsed.data.Tags ?? {},
  };
  if (kind === 'Serverless') {
    typed.ServerlessConfig = {
      // The serverless template's defaults.
      MemorySizeInMB: number('MemorySizeInMB') ?? 2048,
      MaxConcurrency: number('MaxConcurrency') ?? 20,
      ...(provisioned !== undefined ? { ProvisionedConcurrency: provisioned } : {}),
    };
  } else {
    typed.InstanceType = given('EndpointInstanceType');
    typed.InitialInstanceCount = number('EndpointInstanceCount');
    if (scalingGiven) {
      typed.AutoScaling = {
        MinCapacity: number('AutoScalingMinCapacity'),
        MaxCapacity: number('AutoScalingMaxCapacity'),
        TargetInvocationsPerInstance: number('AutoScalingTargetInvocationsPerInstance'),
      };
    }
    if (enableDataCapture === 'true') {
      typed.DataCapture = {
        // The serverless template's default sampling percentage.
        SamplingPercentage: number('SamplingPercentage') ?? 10,
        DestinationS3Uri: captureDestination,
      };
    }
  }
  const mapPath = (path: string): string => {
    if (path.startsWith('Tags')) return path;
    if (path === '' || path === 'Type') return 'Parameters';
    return TYPED_TO_TEMPLATE_PATH[path] ?? `Parameters (${path})`;
  };
  return validateTyped(typed, options, projectName, (path) =>
    path === 'EndpointName' && given('EndpointName') === undefined ? 'Parameters.SageMakerProjectName' : mapPath(path),
  );
}
