/**
 * Codecs turn values into request bodies and response bodies back into values.
 * A codec names the MIME type it speaks; the client sends it as Content-Type (encode) or Accept (decode).
 */
import type { z } from 'zod';

export interface DecodeContext {
  /** The response's Content-Type, as the endpoint sent it. */
  contentType: string | undefined;
}

export interface EncodedBody {
  body: Uint8Array;
  contentType: string;
}

/** Encodes request values of type `T`. */
export interface RequestCodec<T> {
  /** Content-Type sent when encode() does not pick one itself. */
  readonly contentType: string;
  encode(value: T): EncodedBody;
}

/** Decodes response bodies to values of type `T`. Throw to reject a body; the client wraps it in a ResponseDecodeError. */
export interface ResponseCodec<T> {
  /** Sent as the Accept header. */
  readonly accept: string;
  decode(body: Uint8Array, context: DecodeContext): T;
}

/** A codec that works both ways, e.g. JSON in and JSON out. */
export interface Codec<TIn, TOut = TIn> extends RequestCodec<TIn>, ResponseCodec<TOut> {}

export type ImageContentType = 'application/x-image' | 'image/jpeg' | 'image/png';

/**
 * Looks at the first bytes to tell JPEG and PNG apart. Returns undefined for anything else, so callers can
 * fall back to `application/x-image` (what the SageMaker PyTorch and built-in image containers accept for any image).
 */
export function sniffImageType(bytes: Uint8Array): 'image/jpeg' | 'image/png' | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (
    bytes.length >= 8 &&
    bytes[0] === 0x89 &&
    bytes[1] === 0x50 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x47 &&
    bytes[4] === 0x0d &&
    bytes[5] === 0x0a &&
    bytes[6] === 0x1a &&
    bytes[7] === 0x0a
  )
    return 'image/png';
  return undefined;
}

export interface ImageCodecOptions {
  /**
   * `'sniff'` (default): `image/jpeg` or `image/png` from the bytes, else `fallback`.
   * A fixed type sends that type whatever the bytes are, e.g. `'application/x-image'` for containers that only accept it.
   */
  contentType?: 'sniff' | ImageContentType;
  /** Content-Type when sniffing finds neither JPEG nor PNG. Default `application/x-image`. */
  fallback?: ImageContentType;
}

/** Raw image bytes as the request body, sent unchanged. Decoding returns the raw bytes. */
export function imageCodec(options: ImageCodecOptions = {}): Codec<Uint8Array> {
  const mode = options.contentType ?? 'sniff';
  const fallback = options.fallback ?? 'application/x-image';
  return {
    contentType: mode === 'sniff' ? fallback : mode,
    accept: mode === 'sniff' ? 'image/*' : mode,
    encode(value) {
      if (!(value instanceof Uint8Array)) {
        throw new TypeError(`image codec expects a Uint8Array of image bytes, got ${describe(value)}`);
      }
      if (value.length === 0) throw new TypeError('image codec got an empty image (0 bytes)');
      const contentType = mode === 'sniff' ? (sniffImageType(value) ?? fallback) : mode;
      return { body: value, contentType };
    },
    decode(body) {
      return body;
    },
  };
}

export interface JsonCodecOptions<T> {
  /** Validates decoded responses; the zod error path says which field is wrong. */
  schema?: z.ZodType<T>;
  contentType?: string;
}

/** JSON both ways (`application/json`). With a zod schema, decoded values are validated and typed. */
export function jsonCodec<T = unknown>(options: JsonCodecOptions<T> = {}): Codec<unknown, T> {
  const contentType = options.contentType ?? 'application/json';
  return {
    contentType,
    accept: contentType,
    encode(value) {
      const text = JSON.stringify(value);
      if (text === undefined) throw new TypeError(`JSON codec cannot encode ${describe(value)}`);
      return { body: textEncoder.encode(text), contentType };
    },
    decode(body) {
      const parsed: unknown = JSON.parse(textDecoder.decode(body));
      if (!options.schema) return parsed as T;
      const result = options.schema.safeParse(parsed);
      if (!result.success) {
        const issues = result.error.issues
          .map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
          .join('; ');
        throw new TypeError(`the JSON does not match the expected shape: ${issues}`);
      }
      return result.data;
    },
  };
}

export type CsvCell = string | number | boolean | null;
export type CsvRows = CsvCell[][];

/**
 * CSV both ways (`text/csv`, RFC 4180 quoting, no header row, as SageMaker's built-in algorithms use it).
 * Encoding takes one row (`number[]`) or many (`number[][]`). Decoding returns rows of cells: numbers where the
 * cell is a number, strings otherwise.
 */
export function csvCodec(): Codec<CsvCell[] | CsvRows, CsvRows> {
  return {
    contentType: 'text/csv',
    accept: 'text/csv',
    encode(value) {
      if (!Array.isArray(value))
        throw new TypeError(`CSV codec expects an array of cells or rows, got ${describe(value)}`);
      const rows: CsvRows = value.length > 0 && value.every(Array.isArray) ? (value as CsvRows) : [value as CsvCell[]];
      const text = rows.map((row) => row.map(encodeCsvCell).join(',')).join('\n');
      return { body: textEncoder.encode(text), contentType: 'text/csv' };
    },
    decode(body) {
      return parseCsv(textDecoder.decode(body));
    },
  };
}

/** Plain text both ways. */
export function textCodec(contentType = 'text/plain'): Codec<string> {
  return {
    contentType,
    accept: contentType,
    encode(value) {
      return { body: textEncoder.encode(value), contentType };
    },
    decode(body) {
      return textDecoder.decode(body);
    },
  };
}

function encodeCsvCell(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') {
    if (!Number.isFinite(cell)) throw new TypeError(`CSV codec cannot encode the number ${cell}`);
    return String(cell);
  }
  const text = String(cell);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

function decodeCsvCell(raw: string, quoted: boolean): CsvCell {
  if (quoted) return raw;
  if (raw === '') return null;
  const trimmed = raw.trim();
  if (trimmed !== '' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return Number(trimmed);
  return raw;
}

function parseCsv(text: string): CsvRows {
  const rows: CsvRows = [];
  let row: CsvCell[] = [];
  let cell = '';
  let quoted = false;
  let inQuotes = false;
  let i = 0;
  const endCell = () => {
    row.push(decodeCsvCell(cell, quoted));
    cell = '';
    quoted = false;
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
      } else cell += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && cell === '') {
      inQuotes = true;
      quoted = true;
    } else if (ch === ',') endCell();
    else if (ch === '\n' || ch === '\r') {
      endCell();
      rows.push(row);
      row = [];
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
    } else cell += ch;
    i += 1;
  }
  if (inQuotes) throw new TypeError('CSV has an unterminated quoted cell');
  if (cell !== '' || quoted || row.length > 0) {
    endCell();
    rows.push(row);
  }
  return rows;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
