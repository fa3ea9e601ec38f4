import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetMoto, startMoto, type MotoServer } from '../../src/moto.js';

describe('startMoto', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto.stop();
  });

  it('answers on 127.0.0.1 and resets its state', async () => {
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await fetch(`${moto.endpoint}/demo-bucket`, { method: 'PUT' });
    let listing = await (await fetch(`${moto.endpoint}/`)).text();
    expect(listing).toContain('demo-bucket');
    await resetMoto(moto.endpoint);
    listing = await (await fetch(`${moto.endpoint}/`)).text();
    expect(listing).not.toContain('demo-bucket');
  });

  it('stops by PID', async () => {
    const other = await startMoto();
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
  });
});
