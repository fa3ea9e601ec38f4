/** A value a hyperparameter may hold before encoding. */
export type HyperParameterValue =
  | string
  | number
  | boolean
  | null
  | readonly HyperParameterValue[]
  | { readonly [key: string]: HyperParameterValue };

/**
 * Encodes one value as Python's `json.dumps` does, because the SageMaker framework containers
 * `json.loads` every hyperparameter, and the Python SDK writes them with `json.dumps`: `"train.py"`
 * becomes `"\"train.py\""`, `20` stays `"20"`, `true` becomes `"true"`. Separators are `", "` and
 * `": "` and non-ASCII characters are escaped, so our definitions match the Python SDK's byte for byte.
 */
export function pythonJsonDumps(value: HyperParameterValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      // Python writes NaN/Infinity, which the containers' json.loads accepts.
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    }
    return JSON.stringify(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((item: HyperParameterValue) => pythonJsonDumps(item)).join(', ')}]`;
  const entries = Object.entries(value as { readonly [key: string]: HyperParameterValue });
  return `{${entries.map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
}

/** JSON-encodes every value, as `EstimatorBase._json_encode_hyperparameters` does. */
export function encodeHyperParameters(values: Readonly<Record<string, HyperParameterValue>>): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) encoded[name] = pythonJsonDumps(value);
  return encoded;
}
