/**
 * The candle: every field of a Binance kline, exact, plus the trade ids it was built from.
 *
 * Prices and base volumes are bigint counts of 1e-8 units; quote volumes (sums of price × quantity)
 * are bigint counts of 1e-16 units, so nothing is rounded until a kline is printed. `ranges` is the
 * set of trade ids aggregated into the candle; it is what makes merging two partial candles exact.
 */
import type { Interval } from './interval.js';
import { type IdRange, rangesEqual } from './ranges.js';

export interface Candle {
  readonly symbol: string;
  readonly interval: Interval;
  readonly openTime: number;
  readonly closeTime: number;
  /** Price of the trade with the lowest id (the previous close for an interval with no trades). */
  readonly open: bigint;
  readonly high: bigint;
  readonly low: bigint;
  /** Price of the trade with the highest id. */
  readonly close: bigint;
  /** Sum of quantities, 1e-8 units. */
  readonly volume: bigint;
  /** Sum of price × quantity, 1e-16 units. */
  readonly quoteVolume: bigint;
  /** Volume of trades whose taker bought (buyer is not the maker), 1e-8 units. */
  readonly takerBuyBase: bigint;
  /** Quote volume of those trades, 1e-16 units. */
  readonly takerBuyQuote: bigint;
  /** Number of exchange trades; always the number of ids in `ranges`. */
  readonly count: number;
  /** Lowest and highest covered trade id; -1 for an interval with no trades. */
  readonly firstId: number;
  readonly lastId: number;
  readonly ranges: readonly IdRange[];
}

/** Identity of a candle across stores: one per symbol, interval and open time. */
export function candleKey(c: Pick<Candle, 'symbol' | 'interval' | 'openTime'>): string {
  return `${c.symbol}|${c.interval}|${c.openTime}`;
}

export function sameCandleKey(a: Candle, b: Candle): boolean {
  return a.symbol === b.symbol && a.interval === b.interval && a.openTime === b.openTime;
}

/** Field-for-field equality, coverage included. */
export function candlesEqual(a: Candle, b: Candle): boolean {
  return (
    sameCandleKey(a, b) &&
    a.closeTime === b.closeTime &&
    valuesEqual(a, b) &&
    a.firstId === b.firstId &&
    a.lastId === b.lastId &&
    rangesEqual(a.ranges, b.ranges)
  );
}

/** Equality of the kline values alone. */
export function valuesEqual(a: Candle, b: Candle): boolean {
  return (
    a.open === b.open &&
    a.high === b.high &&
    a.low === b.low &&
    a.close === b.close &&
    a.volume === b.volume &&
    a.quoteVolume === b.quoteVolume &&
    a.takerBuyBase === b.takerBuyBase &&
    a.takerBuyQuote === b.takerBuyQuote &&
    a.count === b.count
  );
}

/** Orders candles by symbol, interval, then open time. */
export function compareCandles(a: Candle, b: Candle): number {
  if (a.symbol !== b.symbol) return a.symbol < b.symbol ? -1 : 1;
  if (a.interval !== b.interval) return a.interval < b.interval ? -1 : 1;
  return a.openTime - b.openTime;
}
