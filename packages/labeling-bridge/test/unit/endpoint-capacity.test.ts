import { describe, expect, it } from 'vitest';
import { InvocationSlots, labelStudioResults } from '../../src/index.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('InvocationSlots', () => {
  it('never runs more than its limit at once, across callers, first come first served', async () => {
    const slots = new InvocationSlots(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const gates = Array.from({ length: 6 }, gate);
    const runs = gates.map((g, i) =>
      slots.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await g.opened;
        running--;
        return i;
      }),
    );
    await Promise.resolve();
    expect(slots.inUse).toBe(2);
    for (const g of gates) {
      g.open();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(slots.inUse).toBe(0);
  });

  it('lets an aborted waiter leave the queue without taking a slot', async () => {
    const slots = new InvocationSlots(1);
    const first = gate();
    const holding = slots.run(() => first.opened);
    const controller = new AbortController();
    const waiting = slots.run(async () => 'never', controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    first.open();
    await holding;
    expect(slots.inUse).toBe(0);
    expect(await slots.run(async () => 'next')).toBe('next');
  });

  it('starts waiters when resized up, and refuses a limit below 1', async () => {
    const slots = new InvocationSlots(1);
    const first = gate();
    const holding = slots.run(() => first.opened);
    let started = false;
    const second = slots.run(async () => {
      started = true;
    });
    await Promise.resolve();
    expect(started).toBe(false);
    slots.resize(2);
    await second;
    expect(started).toBe(true);
    first.open();
    await holding;
    expect(() => slots.resize(0)).toThrow(/integer >= 1/);
  });
});

describe('labelStudioResults', () => {
  it('turns failed tasks into empty lists (no stored prediction) and drops the internal fields', () => {
    const ok = {
      result: [{ from_name: 'c', to_name: 'i', type: 'choices' as const, value: { choices: ['Bag'] as [string] } }],
      score: 0.9,
      model_version: 'm/1',
      uncertainty: 0.2,
    };
    expect(labelStudioResults([ok, { result: [], model_version: 'm/1', error: 'throttled' }])).toEqual([
      { result: ok.result, score: 0.9, model_version: 'm/1' },
      [],
    ]);
  });
});
