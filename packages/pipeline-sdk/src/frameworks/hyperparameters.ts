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
    return JSON.stringify(value).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      // Python writes NaN/Infinity, which the containers' json.loads accepts.
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    }
    return pythonNumberRepr(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map((item: HyperParameterValue) => pythonJsonDumps(item)).join(', ')}]`;
  const entries = Object.entries(value as { readonly [key: string]: HyperParameterValue });
  return `{${entries.map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
}

/**
 * Python's repr of a number. JavaScript cannot tell 1 from 1.0, so whole numbers below 1e16 are written as
 * Python ints; other numbers as Python floats, which switch to exponent form (`1e-05`, `1.5e+16`) outside
 * 1e-4 <= |x| < 1e16, where JavaScript would still write plain digits.
 */
function pythonNumberRepr(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return String(value);
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) return String(value);
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** JSON-encodes every value, as `EstimatorBase._json_encode_hyperparameters` does. */
export function encodeHyperParameters(values: Readonly<Record<string, HyperParameterValue>>): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) encoded[name] = pythonJsonDumps(value);
  return encoded;
}
