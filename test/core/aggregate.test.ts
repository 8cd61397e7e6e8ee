import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregate, CandleAggregator } from '../../core/aggregate.js';
import { CandleBuilder } from '../../core/builder.js';
import { type Candle, candleKey } from '../../core/candle.js';
import { formatScaled, formatUnits } from '../../core/decimal.js';
import type { Interval } from '../../core/interval.js';
import { type MergeResult, mergeAll, mergeCandles } from '../../core/merge.js';
import { containsRanges, type IdRange, unionRanges } from '../../core/ranges.js';
import type { Trade } from '../../core/trade.js';
import { coreErrorOf } from '../support/errors.js';
import { generateTrades, Rng, tradeSetArb } from './trades.fixture.js';

// ---------------------------------------------------------------------------------------------
// Reference aggregator: plain bigint arithmetic, written independently of core/.
// ---------------------------------------------------------------------------------------------

const SEC = 1000;
const MIN = 60 * SEC;
const HR = 60 * MIN;
const DAY = 24 * HR;

const REF_LENGTHS: Readonly<Record<string, number>> = {
  '1s': SEC,
  '1m': MIN,
  '3m': 3 * MIN,
  '5m': 5 * MIN,
  '15m': 15 * MIN,
  '30m': 30 * MIN,
  '1h': HR,
  '2h': 2 * HR,
  '4h': 4 * HR,
  '6h': 6 * HR,
  '8h': 8 * HR,
  '12h': 12 * HR,
  '1d': DAY,
  '3d': 3 * DAY,
  '1w': 7 * DAY,
};

/** Decimal string → bigint count of 1e-8 units, one digit at a time. */
function refUnits(text: string): bigint {
  let value = 0n;
  let fracDigits = -1;
  for (const ch of text) {
    if (ch === '.') {
      if (fracDigits >= 0) throw new Error(`two points in ${text}`);
      fracDigits = 0;
      continue;
    }
    if (ch < '0' || ch > '9') throw new Error(`not a digit in ${text}`);
    if (fracDigits >= 8) {
      if (ch !== '0') throw new Error(`too many fractional digits in ${text}`);
      continue;
    }
    value = value * 10n + BigInt(ch.charCodeAt(0) - 48);
    if (fracDigits >= 0) fracDigits++;
  }
  for (let k = Math.max(fracDigits, 0); k < 8; k++) value *= 10n;
  return value;
}

function refOpenTime(time: number, interval: Interval): number {
  if (interval === '1M') {
    const d = new Date(time);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const len = REF_LENGTHS[interval]!;
  // Weeks start on Monday; the first Monday after the epoch is 1970-01-05 (4 days in).
  const anchor = interval === '1w' ? 4 * DAY : 0;
  return Math.floor((time - anchor) / len) * len + anchor;
}

function refCloseTime(openTime: number, interval: Interval): number {
  if (interval === '1M') {
    const d = new Date(openTime);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 1;
  }
  return openTime + REF_LENGTHS[interval]! - 1;
}

function referenceCandles(trades: readonly Trade[], interval: Interval): Candle[] {
  const groups = new Map<string, { symbol: string; openTime: number; byId: Map<number, Trade> }>();
  for (const t of trades) {
    const openTime = refOpenTime(t.time, interval);
    const key = `${t.symbol}|${openTime}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { symbol: t.symbol, openTime, byId: new Map() };
      groups.set(key, g);
    }
    if (!g.byId.has(t.id)) g.byId.set(t.id, t);
  }
  const out: Candle[] = [];
  for (const g of groups.values()) {
    const recs = [...g.byId.values()].sort((x, y) => x.id - y.id);
    let high = -1n;
    let low = -1n;
    let volume = 0n;
    let quoteVolume = 0n;
    let takerBuyBase = 0n;
    let takerBuyQuote = 0n;
    let count = 0;
    const ranges: [number, number][] = [];
    for (const r of recs) {
      const p = refUnits(r.price);
      const q = refUnits(r.qty);
      const last = r.lastId ?? r.id;
      if (high < 0n || p > high) high = p;
      if (low < 0n || p < low) low = p;
      volume += q;
      quoteVolume += p * q;
      if (!r.buyerIsMaker) {
        takerBuyBase += q;
        takerBuyQuote += p * q;
      }
      count += last - r.id + 1;
      const tail = ranges[ranges.length - 1];
      if (tail !== undefined && r.id <= tail[1] + 1) tail[1] = Math.max(tail[1], last);
      else ranges.push([r.id, last]);
    }
    const first = recs[0]!;
    const lastRec = recs[recs.length - 1]!;
    out.push({
      symbol: g.symbol,
      interval,
      openTime: g.openTime,
      closeTime: refCloseTime(g.openTime, interval),
      open: refUnits(first.price),
      high,
      low,
      close: refUnits(lastRec.price),
      volume,
      quoteVolume,
      takerBuyBase,
      takerBuyQuote,
      count,
      firstId: first.id,
      lastId: lastRec.lastId ?? lastRec.id,
      ranges,
    });
  }
  return out.sort((a, b) =>
    a.symbol !== b.symbol ? (a.symbol < b.symbol ? -1 : 1) : a.openTime - b.openTime,
  );
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const INTERVALS_UNDER_TEST: readonly Interval[] = ['1s', '1m', '1h', '1w', '1M'];

function byKey(candles: readonly Candle[]): Map<string, Candle[]> {
  const out = new Map<string, Candle[]>();
  for (const c of candles) {
    const key = candleKey(c);
    const list = out.get(key);
    if (list === undefined) out.set(key, [c]);
    else list.push(c);
  }
  return out;
}

function sortCandles(candles: Candle[]): Candle[] {
  return candles.sort((a, b) =>
    a.symbol !== b.symbol ? (a.symbol < b.symbol ? -1 : 1) : a.openTime - b.openTime,
  );
}

/** Merges states by picking two at random, merging them and putting the result back, until one is left. */
function mergeRandomTree(states: readonly Candle[], rng: Rng): MergeResult {
  const pool = [...states];
  while (pool.length > 1) {
    const i = rng.int(0, pool.length - 1);
    const a = pool.splice(i, 1)[0]!;
    const j = rng.int(0, pool.length - 1);
    const b = pool.splice(j, 1)[0]!;
    const r = rng.chance(0.5) ? mergeCandles(a, b) : mergeCandles(b, a);
    if (!r.ok) return r;
    pool.splice(rng.int(0, pool.length), 0, r.candle);
  }
  return { ok: true, candle: pool[0]! };
}

const T0 = Date.UTC(2024, 7, 8, 12, 34);

function trade(
  id: number,
  price: string,
  qty: string,
  buyerIsMaker: boolean,
  extra: Partial<Trade> = {},
): Trade {
  return { symbol: 'BTCUSDT', id, price, qty, time: T0 + 1000, buyerIsMaker, ...extra };
}

// ---------------------------------------------------------------------------------------------

describe('trade fixture', () => {
  it('is deterministic and realistic', () => {
    const a = generateTrades({ seed: 7, count: 3000 });
    expect(generateTrades({ seed: 7, count: 3000 })).toEqual(a);
    expect(generateTrades({ seed: 8, count: 3000 })).not.toEqual(a);
    let makers = 0;
    for (let i = 0; i < a.length; i++) {
      const t = a[i]!;
      expect(t.price).toMatch(/^[1-9]\d*\.\d{2}000000$/);
      expect(t.qty).toMatch(/^\d+\.\d{5}000$/);
      if (i > 0) {
        expect(t.id).toBe(a[i - 1]!.id + 1);
        expect(t.time).toBeGreaterThanOrEqual(a[i - 1]!.time);
      }
      if (t.buyerIsMaker) makers++;
    }
    expect(makers / a.length).toBeGreaterThan(0.4);
    expect(makers / a.length).toBeLessThan(0.5);
    // Quiet gaps leave minutes without trades, and the stream crosses a month boundary.
    const minutes = aggregate(a, '1m');
    expect(minutes.some((c, i) => i > 0 && c.openTime - minutes[i - 1]!.openTime > MIN)).toBe(true);
    expect(aggregate(a, '1M').length).toBeGreaterThan(1);
    expect(aggregate(a, '1w').length).toBeGreaterThan(1);
  });
});

describe('aggregate matches a plain bigint reference', () => {
  for (const interval of INTERVALS_UNDER_TEST) {
    it(`on generated trades, ${interval}`, () => {
      for (const seed of [1, 2, 3]) {
        const trades = [
          ...generateTrades({ seed, count: 2500 }),
          ...generateTrades({
            seed: seed + 100,
            count: 800,
            symbol: 'ETHUSDT',
            startId: 900_000,
            level: 265_011,
          }),
          ...generateTrades({ seed: seed + 200, count: 600, symbol: 'SOLUSDT', startId: 1, spanShare: 0.3 }),
        ];
        const expected = referenceCandles(trades, interval);
        expect(aggregate(trades, interval)).toEqual(expected);
      }
    });
  }

  it('on arbitrary trade sets with extreme values and aggTrade spans (property)', () => {
    fc.assert(
      fc.property(
        tradeSetArb({ maxLength: 80 }),
        fc.constantFrom(...INTERVALS_UNDER_TEST),
        (trades, interval) => {
          expect(aggregate(trades, interval)).toEqual(referenceCandles(trades, interval));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('computes a small example by hand', () => {
    // Arrival order 101, 102, 100: the lowest id arrives last and is also the latest in time.
    const trades: Trade[] = [
      trade(101, '61837.63000000', '0.02000000', false, { time: T0 + 5_000 }),
      trade(102, '61840.10000000', '0.00150000', true, { time: T0 + 20_000 }),
      trade(100, '61835.50000000', '0.10000000', true, { time: T0 + 50_000 }),
    ];
    const [c, ...rest] = aggregate(trades, '1m');
    expect(rest).toEqual([]);
    expect(c).toEqual({
      symbol: 'BTCUSDT',
      interval: '1m',
      openTime: T0,
      closeTime: T0 + 59_999,
      open: 6_183_550_000_000n,
      high: 6_184_010_000_000n,
      low: 6_183_550_000_000n,
      close: 6_184_010_000_000n,
      volume: 12_150_000n,
      // 1236.7526 + 92.76015 + 6183.55 = 7513.06275
      quoteVolume: 75_130_627_500_000_000_000n,
      // only id 101: 0.02 and 61837.63 × 0.02 = 1236.7526
      takerBuyBase: 2_000_000n,
      takerBuyQuote: 12_367_526_000_000_000_000n,
      count: 3,
      firstId: 100,
      lastId: 102,
      ranges: [[100, 102]],
    } satisfies Candle);
    expect(formatUnits(c!.open)).toBe('61835.50000000');
    expect(formatUnits(c!.close)).toBe('61840.10000000');
    expect(formatUnits(c!.volume)).toBe('0.12150000');
    expect(formatScaled(c!.quoteVolume, 16, 8)).toBe('7513.06275000');
    expect(formatScaled(c!.takerBuyQuote, 16)).toBe('1236.7526000000000000');
  });

  it('puts a trade on the boundary into the kline it opens, for every interval under test', () => {
    // 2024-03-01 00:00 UTC is a Friday and a month start; 2024-03-04 is a Monday.
    const monthStart = Date.UTC(2024, 2, 1);
    const monday = Date.UTC(2024, 2, 4);
    const trades = [
      trade(1, '1.00000000', '1.00000000', false, { time: monthStart - 1 }),
      trade(2, '2.00000000', '1.00000000', false, { time: monthStart }),
      trade(3, '3.00000000', '1.00000000', false, { time: monday - 1 }),
      trade(4, '4.00000000', '1.00000000', false, { time: monday }),
    ];
    expect(aggregate(trades, '1M').map((c) => [c.openTime, c.count])).toEqual([
      [Date.UTC(2024, 1, 1), 1],
      [monthStart, 3],
    ]);
    expect(aggregate(trades, '1w').map((c) => [c.openTime, c.count])).toEqual([
      [Date.UTC(2024, 1, 26), 3],
      [monday, 1],
    ]);
    for (const interval of INTERVALS_UNDER_TEST) {
      expect(aggregate(trades, interval)).toEqual(referenceCandles(trades, interval));
    }
  });
});

describe('order and duplicates do not matter', () => {
  it('chunks in any partition, duplicated and shuffled, aggregated apart and merged, give aggregate once (property)', () => {
    fc.assert(
      fc.property(
        tradeSetArb({ maxLength: 70 }),
        fc.constantFrom(...INTERVALS_UNDER_TEST),
        fc.integer(),
        (trades, interval, seed) => {
          const rng = new Rng(seed);
          const expected = aggregate(trades, interval);

          // Partition into cells (arbitrary subsets, not runs), duplicating some trades inside their cell.
          const cellCount = rng.int(1, Math.min(8, trades.length + 1));
          const cells: Trade[][] = Array.from({ length: cellCount }, () => []);
          for (const t of trades) {
            const cell = cells[rng.int(0, cellCount - 1)]!;
            cell.push(t);
            if (rng.chance(0.15)) cell.push({ ...t });
          }
          const distinct = cells.map((c) => rng.shuffle([...c]));
          const copies: { chunk: Trade[]; cell: number; original: boolean }[] = distinct.map(
            (chunk, cell) => ({
              chunk,
              cell,
              original: true,
            }),
          );
          const duplicated = new Set<number>();
          cells.forEach((c, cell) => {
            if (rng.chance(0.3)) {
              copies.push({ chunk: rng.shuffle([...c]), cell, original: false });
              duplicated.add(cell);
            }
          });
          rng.shuffle(copies);

          // One aggregate over everything, duplicates and all, in shuffled order.
          const everything = rng.shuffle(copies.flatMap((c) => c.chunk));
          expect(aggregate(everything, interval)).toEqual(expected);

          // Aggregate each chunk apart.
          const perChunk = copies.map((c) => ({ ...c, candles: aggregate(c.chunk, interval) }));
          const allStates = byKey(perChunk.flatMap((c) => c.candles));
          const distinctStates = byKey(perChunk.filter((c) => c.original).flatMap((c) => c.candles));
          expect([...allStates.keys()].sort()).toEqual(expected.map(candleKey).sort());

          // Linear fold in random order: every step meets a cell it holds already or a disjoint one.
          const linear: Candle[] = [];
          for (const states of allStates.values()) {
            const r = mergeAll(rng.shuffle([...states]));
            if (!r.ok) throw new Error(`unexpected conflict ${r.conflict.kind}`);
            linear.push(r.candle);
          }
          expect(sortCandles(linear)).toEqual(expected);

          // Random tree over one copy of every chunk: always defined, always the same answer.
          const tree: Candle[] = [];
          for (const states of distinctStates.values()) {
            const r = mergeRandomTree(states, rng);
            if (!r.ok) throw new Error(`unexpected conflict ${r.conflict.kind}`);
            tree.push(r.candle);
          }
          expect(sortCandles(tree)).toEqual(expected);

          // Random tree including duplicated chunks: two subtrees that both hold a copy of one chunk
          // overlap in part, which the merge must report (it cannot add them) rather than double-count.
          const dupRanges = perChunk
            .filter((c) => duplicated.has(c.cell))
            .flatMap((c) => c.candles)
            .reduce<Map<string, IdRange[]>>((m, c) => {
              m.set(candleKey(c), unionRanges(m.get(candleKey(c)) ?? [], c.ranges));
              return m;
            }, new Map());
          const expectedByKey = new Map(expected.map((c) => [candleKey(c), c]));
          for (const [key, states] of allStates) {
            const r = mergeRandomTree(states, rng);
            if (r.ok) {
              expect(r.candle).toEqual(expectedByKey.get(key));
            } else {
              expect(r.conflict.kind).toBe('partial-overlap');
              expect(containsRanges(dupRanges.get(key) ?? [], r.conflict.overlap)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 250 },
    );
  });

  it('a shuffled stream with redeliveries equals the stream once (generated trades)', () => {
    const rng = new Rng(99);
    const trades = generateTrades({ seed: 5, count: 4000, spanShare: 0.1 });
    const redelivered = rng.shuffle([
      ...trades,
      ...trades.filter(() => rng.chance(0.3)).map((t) => ({ ...t })),
    ]);
    for (const interval of INTERVALS_UNDER_TEST) {
      const agg = new CandleAggregator(interval);
      agg.addAll(redelivered);
      expect(agg.candles()).toEqual(referenceCandles(trades, interval));
      expect(agg.stats).toEqual({ added: trades.length, duplicates: redelivered.length - trades.length });
    }
  });
});

describe('aggTrade spans', () => {
  const span = (id: number, lastId: number, price: string, qty = '1.50000000', buyerIsMaker = false): Trade =>
    trade(id, price, qty, buyerIsMaker, { lastId });

  it('count grows by the span and a duplicate span is skipped', () => {
    const b = new CandleBuilder();
    expect(b.add(span(10, 14, '100.00000000'))).toBe(true);
    let c = b.build('BTCUSDT', '1m', T0);
    expect(c.count).toBe(5);
    expect(c.volume).toBe(150_000_000n);
    expect(c.ranges).toEqual([[10, 14]]);
    expect([c.firstId, c.lastId]).toEqual([10, 14]);

    expect(b.add(span(10, 14, '100.00000000'))).toBe(false);
    expect(b.add(trade(12, '100.00000000', '0.5', true))).toBe(false); // inside a covered span
    expect(b.build('BTCUSDT', '1m', T0)).toEqual(c);

    expect(b.add(span(20, 21, '101.00000000', '2.00000000', true))).toBe(true);
    expect(b.add(span(5, 7, '99.00000000'))).toBe(true);
    c = b.build('BTCUSDT', '1m', T0);
    expect(c.count).toBe(10);
    expect(c.ranges).toEqual([
      [5, 7],
      [10, 14],
      [20, 21],
    ]);
    expect([c.open, c.close]).toEqual([9_900_000_000n, 10_100_000_000n]);
  });

  it.each([
    ['overlapping the end', 12, 20],
    ['overlapping the start', 8, 10],
    ['enclosing a covered range', 9, 15],
    ['bridging two covered ranges', 14, 30],
  ])('a span %s throws CONFLICT and leaves the builder unchanged', (_name, first, last) => {
    const b = new CandleBuilder();
    const recs = [span(10, 14, '100.00000000'), span(30, 33, '102.00000000', '0.25000000', true)];
    for (const r of recs) b.add(r);
    const before = b.build('BTCUSDT', '1m', T0);
    const err = coreErrorOf(() => b.add(span(first, last, '555.00000000')));
    expect(err.code).toBe('CONFLICT');
    expect(b.build('BTCUSDT', '1m', T0)).toEqual(before);

    // The builder still works and gives exactly the candle of the trades it accepted.
    const next = span(15, 29, '101.00000000', '3.00000000');
    expect(b.add(next)).toBe(true);
    expect(b.add(trade(34, '103.00000000', '1', false))).toBe(true);
    const accepted = [...recs, next, trade(34, '103.00000000', '1', false)];
    expect(b.build('BTCUSDT', '1m', T0)).toEqual(referenceCandles(accepted, '1m')[0]);
    expect(b.build('BTCUSDT', '1m', T0).ranges).toEqual([[10, 34]]);
  });

  it('the aggregator throws CONFLICT on a partial span, counts nothing, and keeps going', () => {
    const agg = new CandleAggregator('1m');
    const recs = [span(10, 14, '100.00000000'), trade(15, '100.50000000', '1', true)];
    agg.addAll(recs);
    const before = agg.candles();
    expect(coreErrorOf(() => agg.add(span(15, 18, '101.00000000'))).code).toBe('CONFLICT');
    expect(agg.candles()).toEqual(before);
    expect(agg.stats).toEqual({ added: 2, duplicates: 0 });
    expect(agg.add(span(16, 18, '101.00000000'))).toBe(true);
    expect(agg.add(span(10, 14, '100.00000000'))).toBe(false);
    expect(agg.stats).toEqual({ added: 3, duplicates: 1 });
    expect(agg.candles()).toEqual(referenceCandles([...recs, span(16, 18, '101.00000000')], '1m'));
    expect(agg.candles()[0]!.count).toBe(9);
  });
});

describe('bigint paths', () => {
  it('a product and sums beyond 2^53 and 2^100 units stay exact', () => {
    const trades = [
      trade(1, '98765432.10000000', '90000000000.00000000', false), // bigint × bigint
      trade(2, '0.00000001', '90000000000.00000000', true), // number × bigint
      trade(3, '98765432.10000000', '0.00000001', false), // bigint × number
      trade(4, '61837.63000000', '0.02000000', false), // number × number
    ];
    const [c] = aggregate(trades, '1m');
    expect(c).toEqual(referenceCandles(trades, '1m')[0]);
    expect(c!.high).toBe(9_876_543_210_000_000n);
    expect(c!.low).toBe(1n);
    expect(c!.volume).toBe(18_000_000_000_000_000_000n + 1n + 2_000_000n);
    expect(c!.quoteVolume).toBe(
      9_876_543_210_000_000n * 9_000_000_000_000_000_000n +
        9_000_000_000_000_000_000n +
        9_876_543_210_000_000n +
        12_367_526_000_000_000_000n,
    );
    expect(c!.quoteVolume > 2n ** 100n).toBe(true);
    // Taker trades 1, 3 and 4: 98765432.1 × 9e10 + 98765432.1 × 1e-8 + 1236.7526
    expect(formatScaled(c!.takerBuyQuote, 16, 8)).toBe('8888888889000001237.74025432');
  });

  it('number-path products above 2^53 whose sum crosses 2^100 stay exact', () => {
    // 1e15+1 units × (1e14+7) units ≈ 1e29 per trade; thirty of them pass 2^100 ≈ 1.27e30.
    const trades = Array.from({ length: 30 }, (_, i) =>
      trade(i + 1, `10000000.0000000${1 + (i % 9)}`, `1000000.0000000${(i * 7) % 10}`, i % 3 === 0),
    );
    const [c] = aggregate(trades, '1m');
    expect(c).toEqual(referenceCandles(trades, '1m')[0]);
    expect(c!.quoteVolume > 2n ** 100n).toBe(true);
  });

  it('volume sums beyond 2^53 units on the number path stay exact', () => {
    // 50000000.00000001 is 5e15 + 1 units: safe alone, not as a sum of two.
    const trades = Array.from({ length: 5 }, (_, i) =>
      trade(i + 1, '3.00000000', '50000000.00000001', false),
    );
    const [c] = aggregate(trades, '1m');
    expect(c!.volume).toBe(25_000_000_000_000_005n);
    expect(c!.takerBuyBase).toBe(25_000_000_000_000_005n);
    expect(c).toEqual(referenceCandles(trades, '1m')[0]);
  });

  it('random safe-integer prices and quantities (property)', () => {
    const units = fc.oneof(
      fc.integer({ min: 1, max: 2 ** 40 }),
      fc.integer({ min: 2 ** 40, max: 2 ** 50 }),
      fc.integer({ min: 1, max: 100_000_000 }),
    );
    const fmt = (u: number): string => formatUnits(u);
    fc.assert(
      fc.property(fc.array(fc.tuple(units, units, fc.boolean()), { minLength: 1, maxLength: 40 }), (rows) => {
        const trades = rows.map(([p, q, m], i) => trade(i, fmt(p), fmt(q), m));
        expect(aggregate(trades, '1m')).toEqual(referenceCandles(trades, '1m'));
      }),
      { numRuns: 200 },
    );
  });

  // With the running sum just under 2^100, a product near 2^106 would make the pair's error terms
  // exceed 2^53, where a double cannot hold every integer.
  it('keeps quote volume exact when a product near 2^106 follows a running quote sum near 2^100', () => {
    const trades = [
      trade(1, '11258999.06842488', '11258999.06842249', false),
      trade(2, '90065065.22574847', '90071271.07076095', false),
    ];
    const expected =
      1_125_899_906_842_488n * 1_125_899_906_842_249n + 9_006_506_522_574_847n * 9_007_127_107_076_095n;
    expect(expected).toBe(82_390_399_639_769_216_030_557_268_657_977n);
    const [c] = aggregate(trades, '1m');
    expect(c!.quoteVolume).toBe(expected);
    expect(c!.takerBuyQuote).toBe(expected);
  });

  it('rejects a non-zero 9th fractional digit on the number path', () => {
    expect(coreErrorOf(() => aggregate([trade(1, '1.00000000', '1.000000001', false)], '1m')).code).toBe(
      'BAD_DECIMAL',
    );
  });

  // Past the safe-integer range parsing takes the bigint path, which must check the same rules.
  it('rejects a large qty with a non-zero 9th fractional digit with BAD_DECIMAL', () => {
    expect(
      coreErrorOf(() => aggregate([trade(1, '1.00000000', '90000000000.000000001', false)], '1m')).code,
    ).toBe('BAD_DECIMAL');
  });
});

describe('CandleAggregator.drainBefore', () => {
  const trades = [
    ...generateTrades({ seed: 11, count: 1500, startTime: Date.UTC(2024, 4, 1, 9) }),
    ...generateTrades({
      seed: 12,
      count: 700,
      symbol: 'ETHUSDT',
      startId: 70,
      startTime: Date.UTC(2024, 4, 1, 9),
    }),
  ];
  const all = referenceCandles(trades, '1m');

  it('returns and removes the candles that open before a time', () => {
    const cut = all[Math.floor(all.length / 3)]!.openTime;
    const agg = new CandleAggregator('1m');
    agg.addAll(trades);
    const drained = agg.drainBefore(cut);
    expect(drained.length).toBeGreaterThan(0);
    expect(drained).toEqual(all.filter((c) => c.openTime < cut));
    expect(agg.candles()).toEqual(all.filter((c) => c.openTime >= cut));
    expect(agg.drainBefore(cut)).toEqual([]);
  });

  it('drains one symbol only when asked', () => {
    const cut = all[all.length - 1]!.openTime;
    const agg = new CandleAggregator('1m');
    agg.addAll(trades);
    const drained = agg.drainBefore(cut, 'ETHUSDT');
    expect(drained).toEqual(all.filter((c) => c.symbol === 'ETHUSDT' && c.openTime < cut));
    expect(agg.candles()).toEqual(all.filter((c) => c.symbol !== 'ETHUSDT' || c.openTime >= cut));
  });

  it('a trade after draining its kline starts a fresh candle rather than reviving the drained one', () => {
    const agg = new CandleAggregator('1m');
    const first = trade(1, '10.00000000', '1.00000000', false);
    agg.add(first);
    expect(agg.drainBefore(T0 + MIN)).toEqual(referenceCandles([first], '1m'));
    expect(agg.candles()).toEqual([]);
    const late = trade(2, '11.00000000', '2.00000000', true);
    expect(agg.add(late)).toBe(true);
    expect(agg.candles()).toEqual(referenceCandles([late], '1m'));
  });

  it('streaming with periodic drains yields every candle exactly once', () => {
    const agg = new CandleAggregator('1m');
    const out: Candle[] = [];
    const sorted = [...trades].sort((a, b) => a.time - b.time);
    for (const t of sorted) {
      agg.add(t);
      if (t.id % 97 === 0) out.push(...agg.drainBefore(Math.floor(t.time / MIN) * MIN));
    }
    out.push(...agg.drainBefore(Number.POSITIVE_INFINITY));
    expect(sortCandles(out)).toEqual(all);
  });
});
