import { describe, expect, it } from 'vitest';
import { WaitQueue } from './wait-queue.ts';

describe('WaitQueue', () => {
  it('releases waiters one at a time, in arrival order, across compactions', async () => {
    const queue = new WaitQueue();
    const released: number[] = [];
    const waits = Array.from({ length: 5_000 }, (_, i) => queue.wait().then(() => released.push(i)));
    expect(queue.length).toBe(5_000);
    for (let i = 0; i < 3_000; i++) queue.releaseOne();
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toEqual(Array.from({ length: 3_000 }, (_, i) => i));
    expect(queue.length).toBe(2_000);
    queue.releaseAll();
    await Promise.all(waits);
    expect(released).toHaveLength(5_000);
    expect(released.at(-1)).toBe(4_999);
    queue.releaseOne(); // nothing waiting: no effect
    expect(queue.length).toBe(0);
  });
});
