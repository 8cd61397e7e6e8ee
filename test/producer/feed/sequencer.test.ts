import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Trade } from '../../../core/trade.js';
import { type Gap, Sequencer } from '../../../producer/feed/sequencer.js';

function trade(id: number, symbol = 'BTCUSDT', lastId?: number): Trade {
  const t = {
    symbol,
    id,
    price: '1.00000000',
    qty: '1.00000000',
    time: 1_700_000_000_000 + id,
    buyerIsMaker: false,
  };
  return lastId === undefined ? t : { ...t, lastId };
}

function sequencer(): { seq: Sequencer; gaps: Gap[] } {
  const gaps: Gap[] = [];
  return { seq: new Sequencer((g) => gaps.push(g)), gaps };
}

describe('Sequencer', () => {
  it('accepts consecutive ids and drops repeats', () => {
    const { seq, gaps } = sequencer();
    expect([10, 11, 12, 11, 12, 13].map((id) => seq.accept(trade(id)))).toEqual([
      'new',
      'new',
      'new',
      'duplicate',
      'duplicate',
      'new',
    ]);
    expect(gaps).toEqual([]);
    expect(seq.progress('BTCUSDT')).toEqual({ high: 13, missing: [] });
  });

  it('reports a gap with the trade times either side, and fills it from late arrivals', () => {
    const { seq, gaps } = sequencer();
    seq.accept(trade(100));
    seq.accept(trade(105));
    expect(gaps).toEqual([
      { symbol: 'BTCUSDT', first: 101, last: 104, afterTime: trade(100).time, beforeTime: trade(105).time },
    ]);
    expect(seq.accept(trade(102))).toBe('new');
    expect(seq.accept(trade(102))).toBe('duplicate');
    expect(seq.progress('BTCUSDT')?.missing).toEqual([
      [101, 101],
      [103, 104],
    ]);
    expect(seq.missingCount()).toBe(3);
  });

  it('keeps symbols apart', () => {
    const { seq, gaps } = sequencer();
    seq.accept(trade(5, 'BTCUSDT'));
    seq.accept(trade(900, 'ETHUSDT'));
    seq.accept(trade(6, 'BTCUSDT'));
    expect(gaps).toEqual([]);
    expect(seq.symbols().sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
  });

  it('accepts an aggTrade span only when all its ids are missing', () => {
    const { seq } = sequencer();
    seq.accept(trade(1));
    seq.accept(trade(20));
    expect(seq.accept(trade(2, 'BTCUSDT', 5))).toBe('new');
    seq.accept(trade(7));
    expect(seq.accept(trade(6, 'BTCUSDT', 8))).toBe('partial');
    expect(seq.progress('BTCUSDT')?.missing).toEqual([
      [6, 6],
      [8, 19],
    ]);
  });

  it('abandons ids the backfill cannot fetch', () => {
    const { seq } = sequencer();
    seq.accept(trade(1));
    seq.accept(trade(10));
    seq.abandon('BTCUSDT', [[2, 5]]);
    expect(seq.progress('BTCUSDT')?.missing).toEqual([[6, 9]]);
  });

  it('restores progress: the first live trade reveals the downtime gap, missing ids come back as gaps', () => {
    const gaps: Gap[] = [];
    const seq = new Sequencer(
      (g) => gaps.push(g),
      new Map([['BTCUSDT', { high: 50, missing: [[40, 42] as const] }]]),
    );
    expect(seq.restoredGaps()).toEqual([{ symbol: 'BTCUSDT', first: 40, last: 42 }]);
    expect(seq.accept(trade(45))).toBe('duplicate');
    seq.accept(trade(60));
    expect(gaps).toEqual([{ symbol: 'BTCUSDT', first: 51, last: 59, beforeTime: trade(60).time }]);
  });

  it('whatever the order and repetition of deliveries, each id is new exactly once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 200 }), (ids) => {
        const { seq } = sequencer();
        const fresh = ids.filter((id) => seq.accept(trade(id)) === 'new');
        // Ids below the first one seen are never missing, so they count as duplicates.
        const first = ids[0] as number;
        const expected = [...new Set(ids.filter((id) => id >= first))];
        expect(fresh.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
      }),
    );
  });
});
