/**
 * Issue 15, findings 5-7 for image sources: every spelling of a forbidden address is refused before connecting,
 * allow-list entries may be bracketed and carry ports, s3:// buckets have an allow-list, data: URIs may be as large
 * as the image limit, SVG is refused, and a host that stalls mid-body is a 504.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { grayscalePng } from '@sagemaker-mlops/test-services';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaFetchError, MediaRefusedError, MediaResolver } from '../../src/index.js';
import { hostAllowed, isForbiddenAddress } from '../../src/net.js';

let canary: ReturnType<typeof createServer>;
let port: number;
const hits: string[] = [];

beforeAll(async () => {
  canary = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/stall.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '100000' });
      res.write(Buffer.alloc(1000)); // then nothing more
    } else if (req.url === '/evil.svg') {
      res.writeHead(200, { 'content-type': 'image/svg+xml' });
      res.end('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    } else {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end('canary');
    }
  });
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', () => r()));
  port = (canary.address() as AddressInfo).port;
});
afterAll(() => {
  canary.closeAllConnections();
  return new Promise<void>((r) => canary.close(() => r()));
});

describe('forbidden addresses in every form', () => {
  it.each([
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '[::ffff:a9fe:a9fe]',
    '::ffff:0.0.0.0',
    '::ffff:0:0',
    '::169.254.169.254',
    '::a9fe:a9fe',
    '64:ff9b::a9fe:a9fe',
    '2002:a9fe:a9fe::1',
    '0:0:0:0:0:ffff:a9fe:a9fe',
    'fe80::1%eth0',
    'FE80::1',
    'fd00:ec2::254',
    '0.1.2.3',
    'not an address',
  ])('%s is forbidden', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['127.0.0.1', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '2001:db8::1', '10.1.2.3'])(
    '%s is not',
    (address) => {
      expect(isForbiddenAddress(address)).toBe(false);
    },
  );

  it.each(['[::ffff:0.0.0.0]', '[::ffff:169.254.169.254]', '[::169.254.169.254]', '[64:ff9b::a9fe:a9fe]'])(
    'http://%s is refused before connecting, even when allow-listed',
    async (host) => {
      const before = hits.length;
      const media = new MediaResolver({ allowedHosts: [`${host}:${port}`, host] });
      await expect(media.read(`http://${host}:${port}/x.png`)).rejects.toThrow(MediaRefusedError);
      expect(hits.length).toBe(before);
    },
  );
});

describe('allow-list entries', () => {
  it.each([
    ['http://[::1]:8080/a.png', '[::1]:8080', true],
    ['http://[::1]:8081/a.png', '[::1]:8080', false],
    ['http://[::1]:8080/a.png', '[::1]', true],
    ['http://[::1]:8080/a.png', '::1', true],
    ['http://[0:0::1]/a.png', '[::1]', true],
    ['http://[::2]/a.png', '[::1]', false],
    ['https://Example.com/a.png', 'example.com:443', true],
    ['http://example.com/a.png', 'example.com:443', false],
    ['https://a.example.com/a.png', '*.example.com', true],
    ['https://example.com/a.png', '*.example.com', false],
    ['https://badexample.com/a.png', '*.example.com', false],
  ])('%s against %s: %s', (url, entry, allowed) => {
    expect(hostAllowed(new URL(url), [entry])).toBe(allowed);
  });
});

describe('s3:// buckets', () => {
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  it('are refused unless allow-listed', () => {
    expect(() => new MediaResolver({ s3 }).locate('s3://secrets-bucket/creds.txt')).toThrow(/not in the allow-list/);
    const media = new MediaResolver({ s3, allowedBuckets: ['images'] });
    expect(() => media.locate('s3://secrets-bucket/creds.txt')).toThrow(/allowedBuckets/);
    expect(media.locate('s3://images/a/b.png')).toMatchObject({ kind: 's3', bucket: 'images', key: 'a/b.png' });
    expect(() => media.locate('s3://images/a/b.svg')).toThrow(/SVG/);
    expect(() => media.locate('s3://images/%E0%A4%A.png')).toThrow(/percent-encoding/);
  });
});

describe('data: URIs and SVG', () => {
  it('accepts a real PNG far over 4,096 characters, up to the image limit', async () => {
    let state = 1;
    const pixels = Uint8Array.from({ length: 200 * 200 }, () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state >> 23;
    });
    const png = grayscalePng(200, 200, pixels);
    const uri = `data:image/png;base64,${png.toString('base64')}`;
    expect(uri.length).toBeGreaterThan(4096);
    expect(Buffer.from(await new MediaResolver({}).read(uri)).equals(png)).toBe(true);
    expect(() => new MediaResolver({ maxBytes: png.length - 1 }).locate(uri)).toThrow(/image limit/);
  });

  it('refuses SVG inline and over HTTP, and non-image data', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const media = new MediaResolver({ allowedHosts: [`127.0.0.1:${port}`] });
    expect(() => media.locate(`data:image/svg+xml;base64,${svg.toString('base64')}`)).toThrow(/SVG/);
    expect(() => media.locate('data:text/html;base64,PGI+')).toThrow(MediaRefusedError);
    await expect(media.read(`http://127.0.0.1:${port}/evil.svg`)).rejects.toThrow(/SVG/);
  });
});

describe('a host that stalls mid-body', () => {
  it('is a 504 MediaFetchError, not an internal error', async () => {
    const media = new MediaResolver({ allowedHosts: [`127.0.0.1:${port}`], timeoutMs: 300 });
    const error = await media.read(`http://127.0.0.1:${port}/stall.png`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaFetchError);
    expect((error as MediaFetchError).httpStatus).toBe(504);
    expect((error as Error).message).toMatch(/stopped sending/);
  });
});
