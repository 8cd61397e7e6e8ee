import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../producer/feed/backoff.js';
import { FeedError } from '../../../producer/feed/errors.js';

function delays(b: Backoff, n: number): number[] {
  return Array.from({ length: n }, () => b.next());
}

describe('Backoff', () => {
  it('doubles the ceiling from base up to the cap', () => {
    const b = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 });
    expect(delays(b, 7)).toEqual([99, 199, 399, 799, 999, 999, 999]);
    expect(b.attempts).toBe(7);
  });

  it('scales the ceiling by the random draw (full jitter)', () => {
    const b = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0.5 });
    expect(delays(b, 6)).toEqual([50, 100, 200, 400, 500, 500]);
    const zero = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0 });
    expect(delays(zero, 3)).toEqual([0, 0, 0]);
  });

  it('keeps real random delays within [0, ceiling) and spreads them', () => {
    const seen = new Set<number>();
    for (let run = 0; run < 200; run++) {
      const b = new Backoff({ baseMs: 50, capMs: 400 });
      for (let i = 0; i < 6; i++) {
        const ceiling = b.ceiling();
        const d = b.next();
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
        if (i === 5) seen.add(d);
      }
    }
    // 200 draws below 400 landing on fewer than 50 values would mean the jitter is broken.
    expect(seen.size).toBeGreaterThan(50);
  });

  it('starts again from base after reset', () => {
    const b = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0.5 });
    delays(b, 4);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.ceiling()).toBe(100);
    expect(delays(b, 2)).toEqual([50, 100]);
  });

  it('does not overflow after very many attempts', () => {
    const b = new Backoff({ baseMs: 1, capMs: 30_000, random: () => 0.5 });
    const last = delays(b, 5000).at(-1);
    expect(last).toBe(15_000);
  });

  it('rejects a base that is not positive or a cap below the base', () => {
    expect(() => new Backoff({ baseMs: 0, capMs: 10 })).toThrow(FeedError);
    expect(() => new Backoff({ baseMs: 100, capMs: 10 })).toThrow(/capMs/);
    expect(() => new Backoff({ baseMs: Number.NaN, capMs: 10 })).toThrow(FeedError);
  });
});
