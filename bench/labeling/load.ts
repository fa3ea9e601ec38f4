/**
 * The load generator of bench/labeling: a closed loop of JSON POSTs over node:http with a keep-alive Agent.
 *
 * Why not fetch(): the generator runs on the same two cores as both servers, and undici's fetch() spent 0.5-1.4 ms of
 * CPU per request here (its WHATWG streams and Response objects), against 0.09-0.19 ms for http.request and 0.19 ms
 * for our whole server. With fetch() the generator, not the server, set the ceiling: ours served 545 req/s at 32 in
 * flight while 32 requests of ~12 ms each allow ~2,600. The same client now drives both servers, each round on fresh
 * connections (an Agent per server and round, destroyed after it), so neither side inherits the other's sockets or a
 * connection the server closed while the other side's round ran (gunicorn drops idle keep-alive sockets after 2 s).
 * The generator's own CPU time per request is reported, so a reader can see it no longer caps either side.
 */
import { Agent, request } from 'node:http';

export interface PostResult {
  status: number;
  body: unknown;
}

/** POSTs a JSON text and parses the JSON answer; rejects on a network error or a non-JSON body. */
export function postJson(agent: Agent, url: URL, body: string): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A keep-alive connection pool of `sockets` connections, Nagle off (both servers answer in one write). */
export function connectionPool(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets, noDelay: true } as ConstructorParameters<typeof Agent>[0]);
}

export interface LoadFigures {
  throughput: number;
  latencies: number[];
  failures: number;
  requests: number;
  seconds: number;
  /** CPU time (user + system) the generator itself spent per successful request. */
  clientCpuMsPerRequest: number;
  firstError?: unknown;
}

/**
 * Closed-loop load: `concurrency` requests in flight for `ms` (each worker sends its next request when its previous
 * one is answered), on a fresh pool of `concurrency` connections. `ok` decides whether an answer counts as a success.
 */
export async function closedLoop(
  url: string,
  options: { concurrency: number; ms: number; body: (i: number) => string; ok: (result: PostResult) => boolean },
): Promise<LoadFigures> {
  const target = new URL(url);
  const agent = connectionPool(options.concurrency);
  const latencies: number[] = [];
  let failures = 0;
  let firstError: unknown;
  let i = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + options.ms;
  try {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < deadline) {
          const t = performance.now();
          try {
            const result = await postJson(agent, target, options.body(i++));
            if (options.ok(result)) latencies.push(performance.now() - t);
            else failures++;
          } catch (error) {
            // A reset connection (a server closing a kept-alive socket under load) is a failed request, not a crash.
            failures++;
            firstError ??= error;
          }
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    throughput: latencies.length / seconds,
    latencies,
    failures,
    requests: latencies.length,
    seconds,
    clientCpuMsPerRequest: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length),
    ...(firstError === undefined ? {} : { firstError }),
  };
}
