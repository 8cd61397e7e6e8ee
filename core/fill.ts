/**
 * Intervals with no trades, filled the way Binance's klines show them: open = high = low = close =
 * the previous close, all volumes zero, count 0, no trade ids.
 */
import type { Candle } from './candle.js';
import { CoreError } from './errors.js';
import { closeTimeOf, type Interval, isOpenTime, nextOpenTime } from './interval.js';

export function emptyCandle(
  symbol: string,
  interval: Interval,
  openTime: number,
  previousClose: bigint,
): Candle {
  return {
    symbol,
    interval,
    openTime,
    closeTime: closeTimeOf(openTime, interval),
    open: previousClose,
    high: previousClose,
    low: previousClose,
    close: previousClose,
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

export interface FillWindow {
  /** First open time to include (default: the first candle's). */
  readonly from?: number;
  /** Last open time to include (default: the last candle's). */
  readonly to?: number;
  /** Close of the interval before `from`, needed to fill leading empty intervals. */
  readonly previousClose?: bigint;
}

/**
 * Returns one candle per interval of the window: the given candles (one symbol and interval, in any
 * order) with the empty intervals between them filled. Leading intervals before the first candle are
 * filled only when `previousClose` is known, and left out otherwise.
 */
export function fillEmptyIntervals(candles: readonly Candle[], window: FillWindow = {}): Candle[] {
  if (candles.length === 0 && window.previousClose === undefined) return [];
  const sorted = [...candles].sort((a, b) => a.openTime - b.openTime);
  const first = sorted[0];
  const symbol = first?.symbol ?? '';
  const interval = first?.interval;
  if (interval === undefined) return [];
  checkSeries(sorted, symbol, interval);
  const from = window.from ?? first!.openTime;
  const to = window.to ?? sorted[sorted.length - 1]!.openTime;
  const out: Candle[] = [];
  let prevClose = window.previousClose;
  let i = 0;
  while (i < sorted.length && sorted[i]!.openTime < from) prevClose = sorted[i++]!.close;
  for (let open = from; open <= to; open = nextOpenTime(open, interval)) {
    const c = sorted[i];
    if (c !== undefined && c.openTime === open) {
      out.push(c);
      prevClose = c.close;
      i++;
    } else if (prevClose !== undefined) {
      out.push(emptyCandle(symbol, interval, open, prevClose));
    }
  }
  return out;
}

/** One symbol, one interval, open times on the interval's grid and each at most once. */
function checkSeries(sorted: readonly Candle[], symbol: string, interval: Interval): void {
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted[i]!;
    if (c.symbol !== symbol || c.interval !== interval) {
      throw new CoreError(
        'BAD_CANDLE',
        `cannot fill a series that mixes ${symbol} ${interval} with ${c.symbol} ${c.interval}`,
      );
    }
    if (!isOpenTime(c.openTime, interval)) {
      throw new CoreError(
        'BAD_CANDLE',
        `${symbol} ${interval} candle opens at ${c.openTime}, which is not a ${interval} open time`,
      );
    }
    if (i > 0 && sorted[i - 1]!.openTime === c.openTime) {
      throw new CoreError(
        'BAD_CANDLE',
        `${symbol} ${interval} has two candles opening at ${c.openTime}; merge them first`,
      );
    }
  }
}
