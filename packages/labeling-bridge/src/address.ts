import { isIP } from 'node:net';

/**
 * An IP address as bytes (4 for IPv4, 16 for IPv6), or undefined when `text` is not an address. Accepts the bracketed
 * form of URLs (`[::1]`) and a zone id (`fe80::1%eth0`), so every spelling of one address reaches the same check.
 */
export function addressBytes(text: string): Uint8Array | undefined {
  const address = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return Uint8Array.from(address.split('.').map(Number));
  if (family !== 6) return undefined;
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  let hex = address;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(hex);
  if (quad) {
    const [a = 0, b = 0, c = 0, d = 0] = quad.slice(1).map(Number);
    hex = `${hex.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const [left = '', right] = hex.split('::') as [string, string | undefined];
  const l = parse(left);
  const r = right === undefined ? [] : parse(right);
  const groups = right === undefined ? l : [...l, ...Array<number>(8 - l.length - r.length).fill(0), ...r];
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  return bytes.length === 16 ? Uint8Array.from(bytes) : undefined;
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
function embeddedIpv4(b: Uint8Array): Uint8Array | undefined {
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (SIIT)
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return b.subarray(12, 16);
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && zeros(10, 12)) return b.subarray(12, 16);
  // ::a.b.c.d (compatible, deprecated); :: and ::1 are not IPv4
  if (zeros(0, 12) && !(zeros(12, 15) && (b[15] === 0 || b[15] === 1))) return b.subarray(12, 16);
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return b.subarray(12, 16);
  // 2002:aabb:ccdd::/48 (6to4)
  if (b[0] === 0x20 && b[1] === 0x02) return b.subarray(2, 6);
  return undefined;
}

function forbiddenIpv4(b: Uint8Array): boolean {
  const [a = 0, second = 0] = b;
  return a === 0 || (a === 169 && second === 254) || a >= 224;
}

/**
 * Addresses no image URL may reach, whatever the allow-list says: link-local (which holds the EC2/ECS/Lambda
 * metadata services), the unspecified address and multicast, in IPv4 and IPv6, including IPv4 addresses carried in
 * IPv6 ones (`[::ffff:169.254.169.254]`, which WHATWG URL rewrites to `[::ffff:a9fe:a9fe]`, compatible, NAT64 and
 * 6to4 forms). Anything that is not an address is refused too.
 */
export function isForbiddenAddress(address: string): boolean {
  const b = addressBytes(address);
  if (!b) return true;
  if (b.length === 4) return forbiddenIpv4(b);
  const v4 = embeddedIpv4(b);
  if (v4) return forbiddenIpv4(v4);
  return (
    b.every((x) => x === 0) || // ::
    (b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80) || // fe80::/10 link-local
    b[0] === 0xff || // multicast
    (b[0] === 0xfd && b[1] === 0x00 && b[2] === 0x0e && b[3] === 0xc2) // fd00:ec2::/32, EC2 IPv6 metadata
  );
}

/** An allow-list entry: `host`, `*.domain`, `host:port`, an IPv6 address bare or bracketed, `[v6]:port`. */
interface HostEntry {
  host: string;
  wildcard: boolean;
  port: string | undefined;
}

function parseEntry(entry: string): HostEntry {
  const e = entry.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(e);
  if (bracketed) return { host: canonicalHost(bracketed[1] as string), wildcard: false, port: bracketed[2] };
  if (isIP(e) === 6) return { host: canonicalHost(e), wildcard: false, port: undefined };
  const withPort = /^(.+):(\d+)$/.exec(e);
  const host = withPort ? (withPort[1] as string) : e;
  const wildcard = host.startsWith('*.');
  return { host: wildcard ? host.slice(1) : canonicalHost(host), wildcard, port: withPort?.[2] };
}

/** One spelling per host: IPv6 addresses as their 16 bytes in hex, names lower-cased. */
function canonicalHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (isIP(bare) !== 6) return bare;
  return Buffer.from(addressBytes(bare) ?? []).toString('hex');
}

/**
 * True when the URL's host (and port, when the entry names one) matches an allow-list entry: `example.com`,
 * `*.example.com` (subdomains only), `host:port`, `::1`, `[::1]`, `[::1]:8080`. Ports default to the scheme's.
 */
export function hostAllowed(url: URL, allowedHosts: readonly string[]): boolean {
  const hostname = canonicalHost(url.hostname);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowedHosts.some((raw) => {
    const entry = parseEntry(raw);
    if (entry.port !== undefined && entry.port !== port) return false;
    return entry.wildcard
      ? hostname.endsWith(entry.host) && hostname.length > entry.host.length
      : entry.host === hostname;
  });
}
