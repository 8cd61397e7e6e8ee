import { describe, expect, it } from 'vitest';
import { AttemptLimiter } from '../../../producer/feed/attempt-limiter.js';
import { FeedError } from '../../../producer/feed/errors.js';

/**
 * A clock that only moves when the limiter sleeps (or the test moves it). The jump happens a
 * macrotask later so callbacks of grants made before the sleep still see the old time.
 */
function fakeClock() {
  const clock = {
    t: 0,
    sleeps: [] as number[],
    now: () => clock.t,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        clock.sleeps.push(ms);
        setImmediate(() => {
          clock.t += ms;
          resolve();
        });
      }),
  };
  return clock;
}

/** Lets pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('AttemptLimiter', () => {
  it('grants max attempts at once, then the rest when the window slides past the oldest', async () => {
    const clock = fakeClock();
    const limiter = new AttemptLimiter({ max: 3, windowMs: 1000, now: clock.now, sleep: clock.sleep });
    const grantedAt: number[] = [];
    await Promise.all(Array.from({ length: 7 }, () => limiter.acquire().then(() => grantedAt.push(clock.t))));
    expect(grantedAt).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  it('counts a window that slides, not fixed buckets', async () => {
    const clock = fakeClock();
    const limiter = new AttemptLimiter({ max: 3, windowMs: 1000, now: clock.now, sleep: clock.sleep });
    for (const t of [0, 400, 800]) {
      clock.t = t;
      await limiter.acquire();
    }
    clock.t = 900;
    expect(limiter.available()).toBe(0);
    await limiter.acquire();
    expect(clock.t).toBe(1000); // the attempt at 0 left the window
    await limiter.acquire();
    expect(clock.t).toBe(1400); // then the one at 400
    clock.t = 2400;
    expect(limiter.available()).toBe(3);
  });

  it('serves waiters in the order they came', async () => {
    const clock = fakeClock();
    const limiter = new AttemptLimiter({ max: 1, windowMs: 100, now: clock.now, sleep: clock.sleep });
    const order: string[] = [];
    await Promise.all(['a', 'b', 'c', 'd'].map((name) => limiter.acquire().then(() => order.push(name))));
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(clock.t).toBe(300);
  });

  it('rejects an aborted waiter without counting it and stops sleeping when nobody waits', async () => {
    let now = 0;
    const sleeps: { ms: number; signal: AbortSignal }[] = [];
    const limiter = new AttemptLimiter({
      max: 1,
      windowMs: 1000,
      now: () => now,
      sleep: (ms, signal) =>
        new Promise((_resolve, reject) => {
          sleeps.push({ ms, signal });
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    await settle();
    expect(sleeps.map((s) => s.ms)).toEqual([1000]);
    controller.abort();
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect((err as FeedError).code).toBe('ABORTED');
    expect(sleeps[0]!.signal.aborted).toBe(true);
    now = 1000;
    expect(limiter.available()).toBe(1);
    await expect(limiter.acquire(AbortSignal.abort())).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('waits with real timers when no clock is injected', async () => {
    const limiter = new AttemptLimiter({ max: 2, windowMs: 60 });
    const start = Date.now();
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    // Timers never fire early by more than the clock's millisecond rounding.
    expect(Date.now() - start).toBeGreaterThanOrEqual(59);
  });

  it('rejects options that cannot work', () => {
    expect(() => new AttemptLimiter({ max: 0, windowMs: 1000 })).toThrow(FeedError);
    expect(() => new AttemptLimiter({ max: 1.5, windowMs: 1000 })).toThrow(FeedError);
    expect(() => new AttemptLimiter({ max: 1, windowMs: 0 })).toThrow(FeedError);
  });
});
