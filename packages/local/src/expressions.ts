import { LocalModeError, type LocalModeErrorCode } from './errors.js';
import type { LocalS3Store } from './s3.js';
import type { Rec } from './untyped.js';

/** A problem in the definition or its evaluation, with the JSON path where it happened. */
export class ExpressionError extends LocalModeError {
  override readonly code: LocalModeErrorCode = 'EXPRESSION';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${message} (at ${path})`);
    this.name = 'ExpressionError';
  }
}

export interface EvaluationScope {
  parameters: Record<string, unknown>;
  execution: Record<string, unknown>;
  experimentConfig: Record<string, unknown> | null;
  /** Properties (Describe* responses) of the steps that ran, by step name. */
  stepProperties: Map<string, Rec>;
  /** PropertyFiles declared by steps, by step name. */
  propertyFiles: Map<string, { PropertyFileName: string; OutputName: string; FilePath: string }[]>;
  s3: LocalS3Store;
}

/** Splits "A.B['k'].C[0]" into ['A', 'B', {key:'k'}, 'C', {index:0}]. */
export function parsePath(path: string): (string | { key: string } | { index: number })[] {
  const parts: (string | { key: string } | { index: number })[] = [];
  const re = /([^.[\]]+)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*(\d+)\s*\]/g;
  for (const match of path.matchAll(re)) {
    if (match[1] !== undefined) parts.push(match[1]);
    else if (match[2] !== undefined) parts.push({ key: match[2] });
    else if (match[3] !== undefined) parts.push({ key: match[3] });
    else if (match[4] !== undefined) parts.push({ index: Number(match[4]) });
  }
  return parts;
}

const NAME_FIELDS = [
  'OutputName',
  'InputName',
  'ChannelName',
  'MetricName',
  'VariantName',
  'Name',
  'Key',
  'PropertyFileName',
];

function step(value: unknown, part: string | { key: string } | { index: number }): unknown {
  if (value === undefined || value === null) return undefined;
  if (typeof part === 'string') return (value as Rec)[part];
  if ('index' in part) return Array.isArray(value) ? value[part.index] : (value as Rec)[String(part.index)];
  if (Array.isArray(value)) {
    // Describe responses hold lists where pipelines index by name: Outputs['train'] is the OutputName=train entry.
    return value.find((item: Rec) => NAME_FIELDS.some((field) => item?.[field] === part.key));
  }
  return (value as Rec)[part.key];
}

export function getPath(root: unknown, parts: ReturnType<typeof parsePath>): unknown {
  let value = root;
  for (const part of parts) value = step(value, part);
  return value;
}

/** The step names an expression tree refers to (implicit dependencies). */
export function referencedSteps(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedSteps(item, found);
  } else if (value && typeof value === 'object') {
    const get = (value as Rec).Get;
    if (typeof get === 'string' && get.startsWith('Steps.')) {
      const first = parsePath(get.slice('Steps.'.length))[0];
      if (typeof first === 'string') found.add(first);
    }
    for (const child of Object.values(value as Rec)) referencedSteps(child, found);
  }
  return found;
}

function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Evaluates a definition value: {Get}, Std:Join and Std:JsonGet anywhere inside it; other values as they are. */
export async function evaluate(value: unknown, scope: EvaluationScope, path: string): Promise<unknown> {
  if (Array.isArray(value)) {
    const out = [];
    for (const [i, item] of value.entries()) out.push(await evaluate(item, scope, `${path}[${i}]`));
    return out;
  }
  if (!value || typeof value !== 'object') return value;
  const obj = value as Rec;
  const keys = Object.keys(obj);
  if (keys.length === 1 && keys[0] === 'Get' && typeof obj.Get === 'string') return resolveGet(obj.Get, scope, path);
  if (keys.length === 1 && keys[0] === 'Std:Join') {
    const join = obj['Std:Join'] as Rec;
    if (!Array.isArray(join?.Values)) throw new ExpressionError('Std:Join needs "Values": [...]', path);
    const values = (await evaluate(join.Values, scope, `${path}.Std:Join.Values`)) as unknown[];
    return values.map(toText).join(typeof join.On === 'string' ? join.On : '');
  }
  if (keys.length === 1 && keys[0] === 'Std:JsonGet')
    return jsonGet(obj['Std:JsonGet'] as Rec, scope, `${path}.Std:JsonGet`);
  const out: Rec = {};
  for (const key of keys) out[key] = await evaluate(obj[key], scope, `${path}.${key}`);
  return out;
}

async function resolveGet(ref: string, scope: EvaluationScope, path: string): Promise<unknown> {
  const [root, ...rest] = parsePath(ref);
  if (root === 'Parameters') {
    const name = rest[0] as string;
    if (!(name in scope.parameters))
      throw new ExpressionError(`Parameter "${name}" is not declared in the definition's Parameters`, path);
    return scope.parameters[name];
  }
  if (root === 'Execution') {
    const name = rest[0] as string;
    if (!(name in scope.execution))
      throw new ExpressionError(`Execution variable "${name}" is not available in local mode`, path);
    return scope.execution[name];
  }
  if (root === 'PipelineExperimentConfig') {
    if (!scope.experimentConfig) throw new ExpressionError('PipelineExperimentConfig is null in this definition', path);
    const value = scope.experimentConfig[rest[0] as string];
    return evaluate(value, scope, path);
  }
  if (root === 'Steps') {
    const stepName = rest[0] as string;
    const props = scope.stepProperties.get(stepName);
    if (!props)
      throw new ExpressionError(
        `Step "${stepName}" has not run (or was skipped), so its properties are not available`,
        path,
      );
    const value = getPath(props, rest.slice(1));
    if (value === undefined) throw new ExpressionError(`Property ${ref} is not set on step "${stepName}"`, path);
    return value;
  }
  throw new ExpressionError(
    `Unknown reference "${ref}": expected Parameters., Execution., PipelineExperimentConfig. or Steps.`,
    path,
  );
}

async function jsonGet(spec: Rec, scope: EvaluationScope, path: string): Promise<unknown> {
  let uri: string;
  if (spec.PropertyFile) {
    const ref = typeof spec.PropertyFile === 'object' ? spec.PropertyFile.Get : undefined;
    const match = typeof ref === 'string' ? /^Steps\.([^.]+)\.PropertyFiles\.(.+)$/.exec(ref) : null;
    if (!match)
      throw new ExpressionError('Std:JsonGet PropertyFile must be {"Get": "Steps.<step>.PropertyFiles.<name>"}', path);
    const [, stepName, fileName] = match as unknown as [string, string, string];
    const props = scope.stepProperties.get(stepName);
    if (!props)
      throw new ExpressionError(
        `Step "${stepName}" has not run, so its property file ${fileName} is not available`,
        path,
      );
    const declared = scope.propertyFiles.get(stepName)?.find((f) => f.PropertyFileName === fileName);
    if (!declared) throw new ExpressionError(`Step "${stepName}" declares no PropertyFile "${fileName}"`, path);
    const outputs = props.ProcessingOutputConfig?.Outputs as Rec[] | undefined;
    const output = outputs?.find((o) => o.OutputName === declared.OutputName);
    if (!output?.S3Output?.S3Uri)
      throw new ExpressionError(
        `Step "${stepName}" has no processing output "${declared.OutputName}" for PropertyFile ${fileName}`,
        path,
      );
    uri = `${String(output.S3Output.S3Uri).replace(/\/$/, '')}/${declared.FilePath}`;
  } else if (spec.S3Uri !== undefined) {
    uri = String(await evaluate(spec.S3Uri, scope, `${path}.S3Uri`));
  } else {
    throw new ExpressionError('Std:JsonGet needs PropertyFile or S3Uri', path);
  }
  let document: unknown;
  try {
    document = JSON.parse((await scope.s3.readUri(uri)).toString('utf8'));
  } catch (error) {
    throw new ExpressionError(`Std:JsonGet cannot read JSON from ${uri}: ${(error as Error).message}`, path);
  }
  const value = getPath(document, parsePath(String(spec.Path ?? '')));
  if (value === undefined) throw new ExpressionError(`Std:JsonGet: path "${spec.Path}" is not in ${uri}`, path);
  return value;
}

/** Evaluates one condition of a ConditionStep (the SDK's Equals/GreaterThan.../In/Not/Or shapes). */
export async function evaluateCondition(condition: Rec, scope: EvaluationScope, path: string): Promise<boolean> {
  const type = condition.Type as string;
  const compare = async () => {
    const left = await evaluate(condition.LeftValue, scope, `${path}.LeftValue`);
    const right = await evaluate(condition.RightValue, scope, `${path}.RightValue`);
    return [left, right] as const;
  };
  const numeric = (left: unknown, right: unknown) => {
    const l = typeof left === 'string' && left.trim() !== '' && !Number.isNaN(Number(left)) ? Number(left) : left;
    const r = typeof right === 'string' && right.trim() !== '' && !Number.isNaN(Number(right)) ? Number(right) : right;
    if (typeof l !== typeof r)
      throw new ExpressionError(
        `${type} compares ${JSON.stringify(left)} with ${JSON.stringify(right)}, values of different types`,
        path,
      );
    return [l as number, r as number] as const;
  };
  switch (type) {
    case 'Equals': {
      const [left, right] = await compare();
      if (typeof left !== typeof right)
        throw new ExpressionError(
          `Equals compares ${JSON.stringify(left)} (${typeof left}) with ${JSON.stringify(right)} (${typeof right}); both sides must have the same type`,
          path,
        );
      return left === right;
    }
    case 'GreaterThan': {
      const [l, r] = numeric(...(await compare()));
      return l > r;
    }
    case 'GreaterThanOrEqualTo': {
      const [l, r] = numeric(...(await compare()));
      return l >= r;
    }
    case 'LessThan': {
      const [l, r] = numeric(...(await compare()));
      return l < r;
    }
    case 'LessThanOrEqualTo': {
      const [l, r] = numeric(...(await compare()));
      return l <= r;
    }
    case 'In': {
      const query = await evaluate(condition.QueryValue, scope, `${path}.QueryValue`);
      const values = (await evaluate(condition.Values, scope, `${path}.Values`)) as unknown[];
      if (!Array.isArray(values)) throw new ExpressionError('In needs "Values": [...]', path);
      return values.some((v) => v === query);
    }
    case 'Not':
      return !(await evaluateCondition(condition.Condition as Rec, scope, `${path}.Condition`));
    case 'Or': {
      for (const [i, c] of ((condition.Conditions ?? []) as Rec[]).entries()) {
        if (await evaluateCondition(c, scope, `${path}.Conditions[${i}]`)) return true;
      }
      return false;
    }
    default:
      throw new ExpressionError(
        `Unknown condition type "${type}"; expected Equals, GreaterThan, GreaterThanOrEqualTo, LessThan, LessThanOrEqualTo, In, Not or Or`,
        path,
      );
  }
}

/** ISO-8601 duration (P30D, PT1H, P1DT12H) in milliseconds. */
export function parseDuration(text: string): number {
  const match =
    /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      text,
    );
  if (!match || text === 'P' || text.endsWith('T'))
    throw new Error(`"${text}" is not an ISO-8601 duration such as PT1H or P30D`);
  const [, y, mo, w, d, h, mi, s] = match.map((v) => (v === undefined ? 0 : Number(v)));
  return (
    (((((y as number) * 365 + (mo as number) * 30 + (w as number) * 7 + (d as number)) * 24 + (h as number)) * 60 +
      (mi as number)) *
      60 +
      (s as number)) *
    1000
  );
}
