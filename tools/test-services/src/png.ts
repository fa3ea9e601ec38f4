import { crc32, deflateSync } from 'node:zlib';

/**
 * A real 8-bit grayscale PNG (filter 0 rows, one IDAT) that any decoder reads: test images without image libraries
 * or fixtures on disk. Pixels come as row-major bytes or from a function of (x, y), clamped to 0..255.
 */
export function grayscalePng(
  width: number,
  height: number,
  pixels: Uint8Array | ((x: number, y: number) => number),
): Buffer {
  const rows = Buffer.alloc((width + 1) * height); // each row: filter byte 0, then the pixels
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = typeof pixels === 'function' ? pixels(x, y) : (pixels[y * width + x] ?? 0);
      rows[y * (width + 1) + 1 + x] = Math.max(0, Math.min(255, Math.round(value)));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
