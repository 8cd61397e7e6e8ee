import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRanges, rangeSize } from '../../../core/ranges.js';
import type { Trade } from '../../../core/trade.js';
import { classifyPage } from '../../../producer/rest/gap-pages.js';

function rec(id: number, lastId?: number): Trade {
  const t = { symbol: 'BTCUSDT', id, price: '1.00000000', qty: '1.00000000', time: 1, buyerIsMaker: false };
  return lastId === undefined ? t : { ...t, lastId };
}

describe('classifyPage', () => {
  it('splits runs at holes and reports the holes', () => {
    const page = [rec(12), rec(10), rec(11), rec(15), rec(16), rec(30)];
    const out = classifyPage(page, 9, 20);
    expect(out.chunks.map((c) => c.map((t) => t.id))).toStrictEqual([
      [10, 11, 12],
      [15, 16],
    ]);
    expect(out.parts).toStrictEqual([
      { range: [9, 9], reason: 'not-available' },
      { range: [13, 14], reason: 'not-available' },
      { range: [17, 20], reason: 'not-available' },
    ]);
    expect([out.next, out.done]).toStrictEqual([21, true]);
  });

  it('leaves the rest of the gap for the next page when the page ends inside it', () => {
    const out = classifyPage([rec(5), rec(6)], 5, 100);
    expect([out.parts, out.next, out.done]).toStrictEqual([[], 7, false]);
  });

  it('reports aggTrades across either edge as partial, keeps those inside', () => {
    const page = [rec(1, 4), rec(5, 7), rec(8), rec(9, 12)];
    const out = classifyPage(page, 3, 10);
    expect(out.chunks).toStrictEqual([[rec(5, 7), rec(8)]]);
    expect(out.parts).toStrictEqual([
      { range: [3, 4], reason: 'partial-aggtrade' },
      { range: [9, 10], reason: 'partial-aggtrade' },
    ]);
    expect(out.done).toBe(true);
  });

  it('accounts for every id of the gap exactly once, whatever the page holds', () => {
    const spans = fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 3 })), {
      maxLength: 30,
    });
    fc.assert(
      fc.property(
        spans,
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 30 }),
        (raw, next, len) => {
          // Binance's aggTrades never share fills, so the page's spans are disjoint.
          const page: Trade[] = [];
          for (const [a, extra] of [...raw].sort((x, y) => x[0] - y[0])) {
            const prev = page[page.length - 1];
            if (prev !== undefined && a <= (prev.lastId ?? prev.id)) continue;
            page.push(rec(a, extra === 0 ? undefined : a + extra));
          }
          const last = next + len;
          const out = classifyPage(page, next, last);
          const filled = out.chunks.flat().map((t): [number, number] => [t.id, t.lastId ?? t.id]);
          const given = out.parts.map((p) => p.range);
          const resolved = [...filled, ...given];
          expect(rangeSize(resolved)).toBe(rangeSize(normalizeRanges(resolved))); // no id twice
          const upTo = out.next - 1;
          expect(normalizeRanges(resolved)).toStrictEqual(upTo >= next ? [[next, upTo]] : []);
          if (out.done) expect(out.next).toBe(last + 1);
          for (const chunk of out.chunks) {
            for (let i = 1; i < chunk.length; i++) {
              expect(chunk[i]!.id).toBe((chunk[i - 1]!.lastId ?? chunk[i - 1]!.id) + 1);
            }
          }
        },
      ),
    );
  });
});
