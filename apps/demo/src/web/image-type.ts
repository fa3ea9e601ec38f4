import type { AcceptedImageType } from './contract.js';

/**
 * The image type from the file's first bytes. The browser's Content-Type comes from the file
 * name, so a renamed text file would pass a header check; the magic bytes do not lie.
 */
export function sniffImageType(bytes: Uint8Array): AcceptedImageType | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    return 'image/png';
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

/** A human description of what a non-image upload looks like, for the error message. */
export function describeContent(bytes: Uint8Array, declaredType: string | undefined): string {
  const head = bytes.subarray(0, 8);
  if (head[0] === 0x47 && head[1] === 0x49 && head[2] === 0x46) return 'a GIF image';
  if (head[0] === 0x25 && head[1] === 0x50 && head[2] === 0x44 && head[3] === 0x46) return 'a PDF document';
  if (head[0] === 0x52 && head[1] === 0x49 && head[2] === 0x46 && head[3] === 0x46) return 'a RIFF/WebP file';
  const sample = bytes.subarray(0, 512);
  const printable = sample.every(
    (b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0xc0 || (b >= 0x80 && b < 0xc0),
  );
  if (sample.length > 0 && printable) return 'text';
  return declaredType && declaredType !== 'application/octet-stream' ? declaredType : 'binary data of an unknown type';
}
