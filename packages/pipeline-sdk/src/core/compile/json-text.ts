// JSON text pieces the compiler's text mode appends. Keys and enum-like values repeat across steps: quoting each
// once saves most of the small allocations.

const CACHE_LIMIT = 10_000;
const QUOTED = new Map<string, string>();
const QUOTED_KEYS = new Map<string, string>();

/** `"key":` */
export function quoteKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (QUOTED_KEYS.size < CACHE_LIMIT) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}

/** `JSON.stringify(value)` for a string. */
export function quote(value: string): string {
  if (value.length > 64) return JSON.stringify(value);
  let quoted = QUOTED.get(value);
  if (quoted === undefined) {
    quoted = JSON.stringify(value);
    if (QUOTED.size < CACHE_LIMIT) QUOTED.set(value, quoted);
  }
  return quoted;
}

/** `[i]` path segments for the common list positions. */
export const INDEX_SEGMENTS: readonly string[] = Array.from({ length: 64 }, (_, i) => `[${i}]`);
