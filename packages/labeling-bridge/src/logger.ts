/** Structured JSON logs, one object per line (what CloudWatch Logs Insights and `jq` read). */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const SECRET_KEY = /token|secret|password|passwd|authorization|credential|api[-_]?key/i;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_KEY.test(key) ? '***' : redact(v, depth + 1);
  }
  return out;
}

/** A logger writing JSON lines to `write` (default stdout). Fields whose names look like secrets are masked. */
export function jsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
  base: Record<string, unknown> = {},
): Logger {
  const emit = (level: string, msg: string, fields?: Record<string, unknown>) => {
    const plain: Record<string, unknown> = { ...fields };
    if (plain.error instanceof Error) plain.error = { name: plain.error.name, message: plain.error.message };
    const record = {
      time: new Date().toISOString(),
      level,
      msg,
      ...base,
      ...(redact(plain) as Record<string, unknown>),
    };
    write(`${JSON.stringify(record)}\n`);
  };
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
