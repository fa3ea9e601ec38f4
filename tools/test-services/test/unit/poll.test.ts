import { describe, expect, it } from 'vitest';
import { pollFor, pollUntil, PollTimeoutError } from '../../src/index.js';

describe('pollUntil', () => {
  it('returns the first value that is not undefined, probing again until then', async () => {
    let calls = 0;
    const value = await pollUntil('the third call', () => (++calls === 3 ? 'ready' : undefined), { intervalMs: 1 });
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('fails after timeoutMs naming what it waited for', async () => {
    const error = await pollUntil('a thing that never comes', () => undefined, { timeoutMs: 30, intervalMs: 5 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PollTimeoutError);
    expect((error as Error).message).toMatch(/timed out after 30 ms waiting for a thing that never comes/);
  });

  it('a probe error fails at once, unless retryErrors, which reports the last error on timeout', async () => {
    const boom = () => {
      throw new Error('connection refused');
    };
    await expect(pollUntil('x', boom, { timeoutMs: 1_000 })).rejects.toThrow('connection refused');
    await expect(pollUntil('a server', boom, { timeoutMs: 20, intervalMs: 5, retryErrors: true })).rejects.toThrow(
      /waiting for a server; last seen: Error: connection refused/,
    );
  });
});

describe('pollFor', () => {
  it('polls a value until it satisfies the check, and names the last value on timeout', async () => {
    let n = 0;
    await expect(
      pollFor(
        'n to reach 3',
        () => ++n,
        (v) => v >= 3,
        { intervalMs: 1 },
      ),
    ).resolves.toBe(3);
    await expect(
      pollFor(
        'a status',
        () => 'Creating',
        (s) => s === 'InService',
        { timeoutMs: 20 },
      ),
    ).rejects.toThrow(/waiting for a status; last seen: "Creating"/);
  });
});
