import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../core/aggregate.js';
import type { Candle } from '../../core/candle.js';
import { CoreError } from '../../core/errors.js';
import { type MergeResult, mergeAll, mergeCandles } from '../../core/merge.js';
import type { IdRange } from '../../core/ranges.js';
import type { Trade } from '../../core/trade.js';
import { CANDLE_VALUE_FIELDS } from '../support/candles.js';
import { coreErrorOf } from '../support/errors.js';
import { tradeSetArb } from './trades.fixture.js';

/**
 * One trade history cut into cells; a candle state is the candle of a union of cells, named by a
 * bit mask over the cells. Every trade falls into one 1d candle, so every state has the same key.
 */
interface World {
  readonly trades: readonly Trade[];
  readonly cellOf: readonly number[];
  readonly cells: number;
}

const DAY_OPEN = Date.UTC(2024, 0, 1);
const MAX_CELLS = 6;

const worldArb: fc.Arbitrary<World> = tradeSetArb({
  symbols: ['BTCUSDT'],
  gaps: 'burst',
  startTime: { min: DAY_OPEN + 3_600_000, max: DAY_OPEN + 12 * 3_600_000 },
  maxLength: 40,
}).chain((trades) =>
  fc
    .array(fc.integer({ min: 0, max: MAX_CELLS - 1 }), { minLength: trades.length, maxLength: trades.length })
    .map((labels) => {
      // Renumber the labels in use as 0..cells-1, so that no cell is empty.
      const renumber = new Map<number, number>();
      const cellOf = labels.map((l) => {
        let c = renumber.get(l);
        if (c === undefined) {
          c = renumber.size;
          renumber.set(l, c);
        }
        return c;
      });
      return { trades, cellOf, cells: renumber.size };
    }),
);

const maskArb = (w: World): fc.Arbitrary<number> => fc.integer({ min: 1, max: (1 << w.cells) - 1 });

/** A world with the masks of two of its states. */
const twoStatesArb = worldArb.chain((w) => fc.tuple(fc.constant(w), maskArb(w), maskArb(w)));

function tradesOf(w: World, mask: number): Trade[] {
  return w.trades.filter((_, i) => (mask & (1 << w.cellOf[i]!)) !== 0);
}

function stateOf(w: World, mask: number): Candle {
  const candles = aggregate(tradesOf(w, mask), '1d');
  expect(candles).toHaveLength(1);
  return candles[0]!;
}

/** The ids the trades of `mask` cover, as ranges, computed without core/ranges.ts. */
function idsOf(w: World, mask: number): IdRange[] {
  const spans = tradesOf(w, mask)
    .map((t): [number, number] => [t.id, t.lastId ?? t.id])
    .sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of spans) {
    const tail = out[out.length - 1];
    if (tail !== undefined && a <= tail[1] + 1) tail[1] = Math.max(tail[1], b);
    else out.push([a, b]);
  }
  return out;
}

const subset = (x: number, y: number): boolean => (x & ~y) === 0;
/** True when the two unions of cells share a cell but neither holds the other. */
const partial = (x: number, y: number): boolean => (x & y) !== 0 && !subset(x, y) && !subset(y, x);

function ok(r: MergeResult): Candle {
  if (!r.ok) throw new Error(`unexpected ${r.conflict.kind} conflict`);
  return r.candle;
}

const RUNS = { numRuns: 250 };

describe('merge laws over states of one trade history', () => {
  it('is idempotent', () => {
    fc.assert(
      fc.property(
        worldArb.chain((w) => fc.tuple(fc.constant(w), maskArb(w))),
        ([w, m]) => {
          const a = stateOf(w, m);
          expect(ok(mergeCandles(a, a))).toEqual(a);
          expect(ok(mergeCandles(a, structuredClone(a)))).toEqual(a);
        },
      ),
      RUNS,
    );
  });

  it('gives the candle of the union, or a partial-overlap conflict with the exact shared ids', () => {
    fc.assert(
      fc.property(twoStatesArb, ([w, ma, mb]) => {
        const a = stateOf(w, ma);
        const b = stateOf(w, mb);
        const r = mergeCandles(a, b);
        if (partial(ma, mb)) {
          expect(r.ok).toBe(false);
          if (r.ok) return;
          expect(r.conflict).toEqual({
            kind: 'partial-overlap',
            symbol: 'BTCUSDT',
            interval: '1d',
            openTime: DAY_OPEN,
            overlap: idsOf(w, ma & mb),
            a,
            b,
          });
        } else {
          expect(ok(r)).toEqual(stateOf(w, ma | mb));
        }
      }),
      RUNS,
    );
  });

  it('is commutative', () => {
    fc.assert(
      fc.property(twoStatesArb, ([w, ma, mb]) => {
        const a = stateOf(w, ma);
        const b = stateOf(w, mb);
        const ab = mergeCandles(a, b);
        const ba = mergeCandles(b, a);
        expect(ab.ok).toBe(ba.ok);
        if (ab.ok && ba.ok) expect(ab.candle).toEqual(ba.candle);
        if (!ab.ok && !ba.ok) {
          expect(ab.conflict.kind).toBe(ba.conflict.kind);
          expect(ab.conflict.overlap).toEqual(ba.conflict.overlap);
        }
      }),
      RUNS,
    );
  });

  it('is associative whenever both groupings are defined', () => {
    let bothDefined = 0;
    fc.assert(
      fc.property(
        worldArb.chain((w) => fc.tuple(fc.constant(w), maskArb(w), maskArb(w), maskArb(w))),
        ([w, ma, mb, mc]) => {
          const [a, b, c] = [stateOf(w, ma), stateOf(w, mb), stateOf(w, mc)];
          const ab = mergeCandles(a, b);
          const left = ab.ok ? mergeCandles(ab.candle, c) : ab;
          const bc = mergeCandles(b, c);
          const right = bc.ok ? mergeCandles(a, bc.candle) : bc;
          // Each grouping is defined exactly when none of its two steps meets a partial overlap.
          expect(left.ok).toBe(!partial(ma, mb) && !partial(ma | mb, mc));
          expect(right.ok).toBe(!partial(mb, mc) && !partial(ma, mb | mc));
          if (left.ok && right.ok) {
            bothDefined++;
            expect(left.candle).toEqual(right.candle);
            expect(left.candle).toEqual(stateOf(w, ma | mb | mc));
          }
        },
      ),
      RUNS,
    );
    expect(bothDefined).toBeGreaterThan(50);
  });

  it('mergeAll folds left to right and stops at the first partial overlap', () => {
    fc.assert(
      fc.property(
        worldArb.chain((w) =>
          fc.tuple(fc.constant(w), fc.array(maskArb(w), { minLength: 1, maxLength: 8, size: 'medium' })),
        ),
        ([w, masks]) => {
          const r = mergeAll(masks.map((m) => stateOf(w, m)));
          let acc = masks[0]!;
          for (const m of masks.slice(1)) {
            if (partial(acc, m)) {
              expect(r.ok).toBe(false);
              if (!r.ok) {
                expect(r.conflict.kind).toBe('partial-overlap');
                expect(r.conflict.overlap).toEqual(idsOf(w, acc & m));
                expect(r.conflict.a).toEqual(stateOf(w, acc));
              }
              return;
            }
            acc |= m;
          }
          expect(ok(r)).toEqual(stateOf(w, acc));
        },
      ),
      RUNS,
    );
  });

  it('does not modify its inputs', () => {
    fc.assert(
      fc.property(twoStatesArb, ([w, ma, mb]) => {
        const a = stateOf(w, ma);
        const b = stateOf(w, mb);
        const [a0, b0] = [structuredClone(a), structuredClone(b)];
        mergeCandles(a, b);
        mergeAll([b, a, b]);
        expect(a).toEqual(a0);
        expect(b).toEqual(b0);
      }),
      { numRuns: 100 },
    );
  });
});

describe('merge cases by hand', () => {
  const T = DAY_OPEN + 5_000;
  const tr = (id: number, price: string, qty: string, buyerIsMaker: boolean, lastId?: number): Trade => ({
    symbol: 'BTCUSDT',
    id,
    ...(lastId === undefined ? {} : { lastId }),
    price,
    qty,
    time: T + id,
    buyerIsMaker,
  });
  const history = [
    tr(1, '100.00000000', '1.00000000', false),
    tr(2, '105.00000000', '0.50000000', true),
    tr(3, '95.00000000', '2.00000000', false, 4),
    tr(5, '101.00000000', '0.25000000', false),
    tr(6, '99.00000000', '1.00000000', true),
    tr(8, '102.00000000', '3.00000000', true),
  ];
  const candleOf = (ids: readonly number[]): Candle =>
    aggregate(
      history.filter((t) => ids.includes(t.id)),
      '1d',
    )[0]!;

  it('adds disjoint states exactly, coalescing adjacent ranges', () => {
    const merged = ok(mergeCandles(candleOf([5, 6, 8]), candleOf([1, 2, 3])));
    expect(merged).toEqual(candleOf([1, 2, 3, 5, 6, 8]));
    expect(merged.ranges).toEqual([
      [1, 6],
      [8, 8],
    ]);
    expect(merged.count).toBe(7);
    expect([merged.open, merged.close, merged.high, merged.low]).toEqual([
      10_000_000_000n,
      10_200_000_000n,
      10_500_000_000n,
      9_500_000_000n,
    ]);
    expect(merged.volume).toBe(775_000_000n);
  });

  it('reports a partial overlap with the exact shared ranges', () => {
    const a = candleOf([1, 2, 3, 8]);
    const b = candleOf([3, 5, 8]);
    const r = mergeCandles(a, b);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.conflict.kind).toBe('partial-overlap');
    expect(r.conflict.overlap).toEqual([
      [3, 4],
      [8, 8],
    ]);
    expect(r.conflict.a).toBe(a);
    expect(r.conflict.b).toBe(b);
  });

  it('keeps the larger of nested states, whichever side it is on', () => {
    const big = candleOf([1, 2, 3, 5, 6]);
    const small = candleOf([2, 5]);
    expect(ok(mergeCandles(big, small))).toBe(big);
    expect(ok(mergeCandles(small, big))).toBe(big);
  });

  it.each(CANDLE_VALUE_FIELDS)('same coverage with a different %s is divergent', (field) => {
    const a = candleOf([1, 2, 3, 5]);
    const b: Candle = { ...a, [field]: a[field] + 1n };
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      const r = mergeCandles(x, y);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.conflict.kind).toBe('divergent');
      expect(r.conflict.overlap).toEqual(a.ranges);
      expect(r.conflict.a).toBe(x);
      expect(r.conflict.b).toBe(y);
    }
    expect(mergeAll([a, a, b])).toMatchObject({ ok: false, conflict: { kind: 'divergent' } });
  });

  it('same coverage with a different count is divergent', () => {
    const a = candleOf([1, 2]);
    const r = mergeCandles(a, { ...a, count: a.count + 1 });
    expect(r).toMatchObject({ ok: false, conflict: { kind: 'divergent', overlap: [[1, 2]] } });
  });

  it('refuses to merge states of different candles', () => {
    const a = candleOf([1, 2]);
    const others: Candle[] = [
      { ...a, symbol: 'ETHUSDT' },
      { ...a, interval: '1h' },
      { ...a, openTime: a.openTime + 86_400_000, closeTime: a.closeTime + 86_400_000 },
    ];
    for (const b of others) {
      for (const run of [() => mergeCandles(a, b), () => mergeCandles(b, a), () => mergeAll([a, b])]) {
        expect(coreErrorOf(run).code).toBe('CONFLICT');
      }
    }
  });

  it('mergeAll needs at least one state and returns a single one as is', () => {
    expect(() => mergeAll([])).toThrow(CoreError);
    const a = candleOf([1]);
    expect(ok(mergeAll([a]))).toBe(a);
  });
});
