import { Buffer } from 'node:buffer';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const COLON = 0x3a;
const MIN_CAPACITY = 1 << 16;

// One buffer is kept for the next definition (up to 4 MiB): allocating a megabyte-sized buffer per call made
// the GC run for the external memory alone.
const MAX_SPARE = 1 << 22;
let spare: Uint8Array | undefined;

/**
 * Appends JSON text as UTF-8 bytes into one growing buffer and decodes it once at the end. A definition of a
 * large pipeline is a megabyte or more made of tens of thousands of small pieces: appending them to a string
 * made a rope of as many nodes, which the GC then copied and the final flattening walked. Most pieces are
 * ASCII and need no escaping, so they are copied byte by byte; anything else is written as
 * `JSON.stringify` writes it, encoded as UTF-8.
 */
export class JsonWriter {
  private bytes: Uint8Array;
  private length = 0;
  /** Whether every byte so far is ASCII: then decoding is a plain copy. */
  private ascii = true;

  constructor(capacity = 0) {
    const wanted = Math.max(capacity, MIN_CAPACITY);
    if (spare !== undefined && spare.length >= wanted) {
      this.bytes = spare;
      spare = undefined;
    } else {
      this.bytes = new Uint8Array(wanted);
    }
  }

  /** Text that is already JSON (a key with its colon, an expression's text, a number). */
  raw(text: string): void {
    const n = text.length;
    if (this.length + n > this.bytes.length) this.grow(n);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        this.length = at;
        this.encode(text.slice(i));
        return;
      }
      bytes[at++] = c;
    }
    this.length = at;
  }

  /** One ASCII character, e.g. `{` or `,`. */
  char(code: number): void {
    if (this.length === this.bytes.length) this.grow(1);
    this.bytes[this.length++] = code;
  }

  /** A string value, quoted and escaped exactly as `JSON.stringify` does. */
  string(value: string): void {
    const n = value.length;
    if (this.length + n + 2 > this.bytes.length) this.grow(n + 2);
    const bytes = this.bytes;
    const start = this.length;
    let at = start;
    bytes[at++] = 34; // "
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      // Control characters, quote, backslash and anything beyond ASCII (including lone surrogates, which
      // JSON.stringify escapes): leave them to JSON.stringify.
      if (c < 0x20 || c === 34 || c === 92 || c >= 0x80) {
        this.length = start;
        this.raw(JSON.stringify(value));
        return;
      }
      bytes[at++] = c;
    }
    bytes[at++] = 34;
    this.length = at;
  }

  /** A key and its colon: `"key":`. */
  key(key: string): void {
    this.string(key);
    this.char(COLON);
  }

  /** Everything written so far, as a string; the writer is empty again afterwards. */
  take(): string {
    const text = this.ascii
      ? Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.length).toString('ascii')
      : decoder.decode(this.bytes.subarray(0, this.length));
    this.length = 0;
    this.ascii = true;
    if (this.bytes.length <= MAX_SPARE && (spare === undefined || spare.length < this.bytes.length)) spare = this.bytes;
    return text;
  }

  private encode(text: string): void {
    this.ascii = false;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const most = text.length * 3;
    if (this.length + most > this.bytes.length) this.grow(most);
    this.length += encoder.encodeInto(text, this.bytes.subarray(this.length)).written;
  }

  private grow(needed: number): void {
    let size = this.bytes.length * 2;
    while (size < this.length + needed) size *= 2;
    const bytes = new Uint8Array(size);
    bytes.set(this.bytes.subarray(0, this.length));
    this.bytes = bytes;
  }
}
