import { describe, expect, it } from 'vitest';
import type { Candle } from '../../core/candle.js';
import { CoreError } from '../../core/errors.js';
import { emptyCandle, fillEmptyIntervals } from '../../core/fill.js';
import type { Interval } from '../../core/interval.js';
import { coreErrorOf } from '../support/errors.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 7, 8, 23, 55);

interface Spec {
  readonly openTime: number;
  readonly closeTime: number;
  readonly open: bigint;
  readonly close: bigint;
  readonly firstId: number;
  readonly count: number;
  readonly symbol?: string;
  readonly interval?: Interval;
}

/** A candle with trades ids firstId..firstId+count-1, opening at `open` and closing at `close`. */
function traded(s: Spec): Candle {
  const high = s.open > s.close ? s.open : s.close;
  const low = s.open < s.close ? s.open : s.close;
  const lastId = s.firstId + s.count - 1;
  return {
    symbol: s.symbol ?? 'BTCUSDT',
    interval: s.interval ?? '1m',
    openTime: s.openTime,
    closeTime: s.closeTime,
    open: s.open,
    high: high + 100n,
    low: low - 100n,
    close: s.close,
    volume: 5_000_000n,
    quoteVolume: 3_091_881_500_000_000n,
    takerBuyBase: 2_000_000n,
    takerBuyQuote: 1_236_752_600_000_000n,
    count: s.count,
    firstId: s.firstId,
    lastId,
    ranges: [[s.firstId, lastId]],
  };
}

/** A 1m candle at minute `m` after T0. */
function minute(m: number, open: bigint, close: bigint, firstId: number): Candle {
  const openTime = T0 + m * MINUTE;
  return traded({ openTime, closeTime: openTime + MINUTE - 1, open, close, firstId, count: 3 });
}

/** The expected filler, written out field by field. */
function filler(openTime: number, closeTime: number, price: bigint, interval: Interval = '1m'): Candle {
  return {
    symbol: 'BTCUSDT',
    interval,
    openTime,
    closeTime,
    open: price,
    high: price,
    low: price,
    close: price,
    volume: 0n,
    quoteVolume: 0n,
    takerBuyBase: 0n,
    takerBuyQuote: 0n,
    count: 0,
    firstId: -1,
    lastId: -1,
    ranges: [],
  };
}

describe('emptyCandle', () => {
  it('carries the previous close in all four prices and nothing else', () => {
    const c = emptyCandle('BTCUSDT', '1m', T0, 6_183_763_000_000n);

    expect(c).toStrictEqual(filler(T0, T0 + MINUTE - 1, 6_183_763_000_000n));
  });
});

describe('fillEmptyIntervals', () => {
  it('fills missing minutes with the previous close', () => {
    // Prepare
    const a = minute(0, 6_183_763_000_000n, 6_183_770_000_000n, 100);
    const d = minute(3, 6_183_790_000_000n, 6_183_700_000_000n, 103);

    // Act
    const out = fillEmptyIntervals([a, d]);

    // Assess
    expect(out).toStrictEqual([
      a,
      filler(T0 + MINUTE, T0 + 2 * MINUTE - 1, 6_183_770_000_000n),
      filler(T0 + 2 * MINUTE, T0 + 3 * MINUTE - 1, 6_183_770_000_000n),
      d,
    ]);
  });

  it('returns the candles themselves, unchanged, when nothing is missing', () => {
    const series = [minute(0, 1n, 2n, 1), minute(1, 2n, 3n, 4), minute(2, 3n, 4n, 7)];

    const out = fillEmptyIntervals(series);

    expect(out).toHaveLength(3);
    expect(out[0]).toBe(series[0]);
    expect(out[1]).toBe(series[1]);
    expect(out[2]).toBe(series[2]);
  });

  it('follows the last real close across several gaps', () => {
    const series = [minute(0, 10n, 11n, 1), minute(2, 12n, 13n, 4), minute(5, 14n, 15n, 7)];

    const out = fillEmptyIntervals(series);

    expect(out.map((c) => [c.openTime - T0, c.count, c.open, c.close])).toStrictEqual([
      [0, 3, 10n, 11n],
      [MINUTE, 0, 11n, 11n],
      [2 * MINUTE, 3, 12n, 13n],
      [3 * MINUTE, 0, 13n, 13n],
      [4 * MINUTE, 0, 13n, 13n],
      [5 * MINUTE, 3, 14n, 15n],
    ]);
  });

  it('fills a calendar month, with the close time of February in a leap year', () => {
    const jan = Date.UTC(2024, 0, 1);
    const feb = Date.UTC(2024, 1, 1);
    const mar = Date.UTC(2024, 2, 1);
    const apr = Date.UTC(2024, 3, 1);
    const january = traded({
      interval: '1M',
      openTime: jan,
      closeTime: feb - 1,
      open: 4_200_000_000_000n,
      close: 4_250_000_000_000n,
      firstId: 1,
      count: 10,
    });
    const march = traded({
      interval: '1M',
      openTime: mar,
      closeTime: apr - 1,
      open: 6_100_000_000_000n,
      close: 7_100_000_000_000n,
      firstId: 50,
      count: 10,
    });

    const out = fillEmptyIntervals([january, march]);

    expect(out).toStrictEqual([january, filler(feb, mar - 1, 4_250_000_000_000n, '1M'), march]);
    expect(out[1]!.closeTime).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
  });

  it('leaves out leading intervals when the previous close is unknown', () => {
    const b = minute(2, 20n, 21n, 10);

    const out = fillEmptyIntervals([b], { from: T0 });

    expect(out).toStrictEqual([b]);
  });

  it('fills leading intervals from previousClose', () => {
    const b = minute(2, 20n, 21n, 10);

    const out = fillEmptyIntervals([b], { from: T0, previousClose: 19n });

    expect(out).toStrictEqual([
      filler(T0, T0 + MINUTE - 1, 19n),
      filler(T0 + MINUTE, T0 + 2 * MINUTE - 1, 19n),
      b,
    ]);
  });

  it('fills trailing intervals up to `to` with the last close', () => {
    const a = minute(0, 20n, 21n, 10);

    const out = fillEmptyIntervals([a], { to: T0 + 2 * MINUTE });

    expect(out).toStrictEqual([
      a,
      filler(T0 + MINUTE, T0 + 2 * MINUTE - 1, 21n),
      filler(T0 + 2 * MINUTE, T0 + 3 * MINUTE - 1, 21n),
    ]);
  });

  it('keeps to the window and takes the close before `from` from the candles left out', () => {
    const series = [minute(0, 1n, 2n, 1), minute(1, 2n, 3n, 4), minute(4, 5n, 6n, 7), minute(6, 7n, 8n, 10)];

    const out = fillEmptyIntervals(series, { from: T0 + 2 * MINUTE, to: T0 + 4 * MINUTE });

    expect(out).toStrictEqual([
      filler(T0 + 2 * MINUTE, T0 + 3 * MINUTE - 1, 3n),
      filler(T0 + 3 * MINUTE, T0 + 4 * MINUTE - 1, 3n),
      series[2],
    ]);
  });

  it('sorts its input first', () => {
    const a = minute(0, 1n, 2n, 1);
    const c = minute(2, 3n, 4n, 7);
    const d = minute(3, 4n, 5n, 10);

    const out = fillEmptyIntervals([d, a, c]);

    expect(out).toStrictEqual([a, filler(T0 + MINUTE, T0 + 2 * MINUTE - 1, 2n), c, d]);
  });

  it('returns nothing for no candles', () => {
    expect(fillEmptyIntervals([])).toStrictEqual([]);
    expect(fillEmptyIntervals([], { from: T0, to: T0 + MINUTE })).toStrictEqual([]);
  });

  it('refuses a series that mixes symbols, with code BAD_CANDLE', () => {
    const btc = minute(0, 1n, 2n, 1);
    const eth = { ...minute(2, 1n, 2n, 1), symbol: 'ETHUSDT' };

    const err = coreErrorOf(() => fillEmptyIntervals([btc, eth]));

    expect(err.code).toBe('BAD_CANDLE');
    expect(err.message).toContain('BTCUSDT');
    expect(err.message).toContain('ETHUSDT');
  });

  it('refuses a series that mixes intervals, with code BAD_CANDLE', () => {
    const m1 = minute(0, 1n, 2n, 1);
    const m5 = { ...minute(5, 1n, 2n, 1), interval: '5m' as const };

    const err = coreErrorOf(() => fillEmptyIntervals([m1, m5]));

    expect(err.code).toBe('BAD_CANDLE');
  });

  it('rejects a repeated open time instead of hiding later candles behind fillers', () => {
    // Two candles for minute 0 (say, two partial states not yet merged), then a real minute 2.
    const a1 = minute(0, 1n, 2n, 1);
    const a2 = minute(0, 1n, 2n, 4);
    const c = minute(2, 30n, 40n, 10);

    let out: Candle[] | undefined;
    let error: unknown;
    try {
      out = fillEmptyIntervals([a1, a2, c]);
    } catch (err) {
      error = err;
    }

    // Either refused like a mixed series, or the real candle of minute 2 is kept.
    const refused = error instanceof CoreError && error.code === 'BAD_CANDLE';
    const kept = out?.some((x) => x.openTime === c.openTime && x.count === 3) ?? false;
    expect(refused || kept).toBe(true);
  });
});
