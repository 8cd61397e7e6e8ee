import { describe, expect, it } from 'vitest';
import { GapQueue, mergeGaps } from '../../../producer/rest/gap-queue.js';

const gapsOf = (q: GapQueue) => q.drain().map((j) => j.gap);

describe('GapQueue', () => {
  it('merges overlapping and adjacent waiting gaps, keeping the outer edge times', () => {
    const q = new GapQueue();
    q.add({ symbol: 'A', first: 10, last: 20, afterTime: 1, beforeTime: 2 }, []);
    q.add({ symbol: 'B', first: 10, last: 20 }, []);
    q.add({ symbol: 'A', first: 30, last: 40, afterTime: 5, beforeTime: 6 }, []);
    q.add({ symbol: 'A', first: 15, last: 29, afterTime: 3, beforeTime: 4 }, []); // bridges both
    expect(gapsOf(q)).toStrictEqual([
      { symbol: 'A', first: 10, last: 40, afterTime: 1, beforeTime: 6 },
      { symbol: 'B', first: 10, last: 20 },
    ]);
  });

  it('cuts out ids being fetched and drops the edge times it cannot know', () => {
    const q = new GapQueue();
    q.add({ symbol: 'A', first: 0, last: 100, afterTime: 1, beforeTime: 2 }, [[40, 60]]);
    expect(gapsOf(q)).toStrictEqual([
      { symbol: 'A', first: 0, last: 39, afterTime: 1 },
      { symbol: 'A', first: 61, last: 100, beforeTime: 2 },
    ]);
  });

  it('does not merge into a gap already started (retrying), and skips its ids', () => {
    const q = new GapQueue();
    q.add({ symbol: 'A', first: 10, last: 20 }, []);
    const started = q.takeReady(0)!;
    started.startedAt = 0;
    started.notBefore = 50;
    q.requeue(started);
    q.add({ symbol: 'A', first: 15, last: 25 }, []);
    expect(q.takeReady(0)?.gap).toStrictEqual({ symbol: 'A', first: 21, last: 25 });
    expect([q.nextAt(), q.takeReady(50)?.gap.first]).toStrictEqual([50, 10]);
  });

  it('mergeGaps takes each edge time from the gap that owns the edge', () => {
    expect(
      mergeGaps(
        { symbol: 'A', first: 5, last: 9, beforeTime: 3 },
        { symbol: 'A', first: 5, last: 7, afterTime: 1 },
      ),
    ).toStrictEqual({ symbol: 'A', first: 5, last: 9, afterTime: 1, beforeTime: 3 });
  });
});
