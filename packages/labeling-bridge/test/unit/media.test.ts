import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabelStudioConnection, MediaRefusedError, MediaResolver, mediaFileName } from '../../src/index.js';
import { hostAllowed, isForbiddenAddress } from '../../src/net.js';

let server: ReturnType<typeof createServer>;
let port: number;
const seen: Array<{ url: string; auth: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    if (req.url === '/big.png') {
      res.writeHead(200, { 'content-length': String(2048) });
      res.end(Buffer.alloc(2048));
    } else if (req.url === '/redirect-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    } else if (req.url?.startsWith('/data/upload/')) {
      if (req.headers.authorization !== 'Token legacy-token-123') {
        res.writeHead(401);
        res.end();
        return;
      }
      res.end(Buffer.from('PNGDATA'));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('image URL policy', () => {
  it('refuses link-local and metadata addresses, the unspecified address and multicast', () => {
    for (const a of [
      '169.254.169.254',
      '169.254.0.1',
      '0.0.0.0',
      '224.0.0.1',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:169.254.169.254',
      '::',
    ]) {
      expect(isForbiddenAddress(a), a).toBe(true);
    }
    for (const a of ['127.0.0.1', '10.0.0.1', '52.1.2.3', '::1', '2001:db8::1'])
      expect(isForbiddenAddress(a), a).toBe(false);
  });

  it('matches allow-list entries by host, wildcard and host:port', () => {
    expect(hostAllowed(new URL('https://cdn.example.com/a.png'), ['cdn.example.com'])).toBe(true);
    expect(hostAllowed(new URL('https://x.cdn.example.com/a.png'), ['*.example.com'])).toBe(true);
    expect(hostAllowed(new URL('https://example.com.evil.io/a.png'), ['example.com', '*.example.com'])).toBe(false);
    expect(hostAllowed(new URL('http://127.0.0.1:9000/a.png'), ['127.0.0.1:9000'])).toBe(true);
    expect(hostAllowed(new URL('http://127.0.0.1:9001/a.png'), ['127.0.0.1:9000'])).toBe(false);
  });

  it('refuses hosts outside the allow-list, metadata URLs, other schemes and credentials in URLs', async () => {
    const media = new MediaResolver({ allowedHosts: [`127.0.0.1:${port}`, '169.254.169.254'] });
    expect(() => media.locate('http://evil.example/x.png')).toThrow(/not in the allow-list/);
    expect(() => media.locate('file:///etc/passwd')).toThrow(MediaRefusedError);
    expect(() => media.locate('gs://bucket/x.png')).toThrow(/only s3:\/\//);
    expect(() => media.locate('http://user:pw@127.0.0.1/x.png')).toThrow(/credentials/);
    expect(() => media.locate('/data/upload/1/x.png')).toThrow(/needs labelStudio/);
    await expect(media.read('http://169.254.169.254/latest/meta-data/')).rejects.toThrow(/link-local and metadata/);
    // a redirect from an allowed host to the metadata service is refused too
    await expect(media.read(`http://127.0.0.1:${port}/redirect-metadata`)).rejects.toThrow(MediaRefusedError);
  });

  it('enforces the size limit from Content-Length', async () => {
    const media = new MediaResolver({ allowedHosts: [`127.0.0.1:${port}`], maxBytes: 1024 });
    await expect(media.read(`http://127.0.0.1:${port}/big.png`)).rejects.toThrow(
      /larger than the 1024-byte image limit/,
    );
  });

  it('sends the Label Studio token only to Label Studio, and resolves upload paths against it', async () => {
    const ls = new LabelStudioConnection({ url: `http://127.0.0.1:${port}`, token: 'legacy-token-123' });
    const media = new MediaResolver({ labelStudio: ls });
    expect(Buffer.from(await media.read('/data/upload/3/ab-cat.png')).toString()).toBe('PNGDATA');
    expect(Buffer.from(await media.read('upload/3/ab-cat.png')).toString()).toBe('PNGDATA');
    expect(seen.at(-1)).toEqual({ url: '/data/upload/3/ab-cat.png', auth: 'Token legacy-token-123' });
    expect(JSON.stringify(ls)).not.toContain('legacy-token-123');
  });

  it('reads base64 image data URIs and refuses other data URIs', async () => {
    const media = new MediaResolver({ maxBytes: 16 });
    expect(
      Buffer.from(await media.read(`data:image/png;base64,${Buffer.from('PNG!').toString('base64')}`)).toString(),
    ).toBe('PNG!');
    expect(() => media.locate('data:text/html;base64,PGI+')).toThrow(/only base64 image data URIs/);
    expect(() => media.locate(`data:image/png;base64,${Buffer.alloc(32).toString('base64')}`)).toThrow(
      /16-byte image limit/,
    );
    expect(mediaFileName('data:image/jpeg;base64,AAAA')).toBe('inline.jpeg');
  });

  it('derives safe lake file names', () => {
    expect(mediaFileName('/data/upload/3/ab12-cat 1.jpg')).toBe('ab12-cat_1.jpg');
    expect(mediaFileName('/data/local-files/?d=images/../x/dog.png')).toBe('dog.png');
    expect(mediaFileName('s3://bucket/a/b/../c.png')).toBe('c.png');
    expect(mediaFileName('https://h/..')).toBe('image');
  });
});
