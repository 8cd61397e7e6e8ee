/**
 * The storage form of a candle, shared by every store: plain strings and integers that any database
 * and any JSON reader keep exactly. Prices and base volumes have 8 fractional digits, quote volumes
 * 16, so a record round-trips to the identical candle.
 */
import type { Candle } from './candle.js';
import { formatScaled, PRODUCT_SCALE, parseScaled, SCALE } from './decimal.js';
import { CoreError } from './errors.js';
import { closeTimeOf, isInterval, isOpenTime } from './interval.js';
import { formatRanges, parseRangesText, rangeSize } from './ranges.js';

export interface CandleRecord {
  readonly symbol: string;
  readonly interval: string;
  readonly openTime: number;
  readonly closeTime: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly quoteVolume: string;
  readonly takerBuyBase: string;
  readonly takerBuyQuote: string;
  readonly count: number;
  readonly firstId: number;
  readonly lastId: number;
  /** Covered trade ids, e.g. "100-250,252-260". */
  readonly ranges: string;
}

const DECIMAL_FIELDS = [
  'open',
  'high',
  'low',
  'close',
  'volume',
  'quoteVolume',
  'takerBuyBase',
  'takerBuyQuote',
] as const;

export function toRecord(c: Candle): CandleRecord {
  const price = (v: bigint) => formatScaled(v, SCALE);
  const quote = (v: bigint) => formatScaled(v, PRODUCT_SCALE);
  return {
    symbol: c.symbol,
    interval: c.interval,
    openTime: c.openTime,
    closeTime: c.closeTime,
    open: price(c.open),
    high: price(c.high),
    low: price(c.low),
    close: price(c.close),
    volume: price(c.volume),
    quoteVolume: quote(c.quoteVolume),
    takerBuyBase: price(c.takerBuyBase),
    takerBuyQuote: quote(c.takerBuyQuote),
    count: c.count,
    firstId: c.firstId,
    lastId: c.lastId,
    ranges: formatRanges(c.ranges),
  };
}

/** Reads a stored record back, checking every field; throws CoreError BAD_CANDLE naming the field. */
export function fromRecord(r: Record<string, unknown>): Candle {
  const symbol = field(r, 'symbol', 'string');
  const interval = field(r, 'interval', 'string');
  if (!isInterval(interval)) throw bad('interval', interval);
  const openTime = int(r, 'openTime');
  const ranges = parseRangesText(field(r, 'ranges', 'string'));
  if (ranges === undefined) throw bad('ranges', r.ranges);
  const candle: Candle = {
    symbol,
    interval,
    openTime,
    closeTime: int(r, 'closeTime'),
    open: dec(r, 'open', SCALE),
    high: dec(r, 'high', SCALE),
    low: dec(r, 'low', SCALE),
    close: dec(r, 'close', SCALE),
    volume: dec(r, 'volume', SCALE),
    quoteVolume: dec(r, 'quoteVolume', PRODUCT_SCALE),
    takerBuyBase: dec(r, 'takerBuyBase', SCALE),
    takerBuyQuote: dec(r, 'takerBuyQuote', PRODUCT_SCALE),
    count: int(r, 'count'),
    firstId: int(r, 'firstId'),
    lastId: int(r, 'lastId'),
    ranges,
  };
  checkConsistent(candle);
  return candle;
}

function checkConsistent(c: Candle): void {
  if (!isOpenTime(c.openTime, c.interval)) throw bad('openTime', c.openTime);
  for (const name of DECIMAL_FIELDS) if (c[name] < 0n) throw bad(name, c[name]);
  if (c.closeTime !== closeTimeOf(c.openTime, c.interval)) throw bad('closeTime', c.closeTime);
  if (c.count !== rangeSize(c.ranges)) throw bad('count', c.count);
  const first = c.ranges[0]?.[0] ?? -1;
  const last = c.ranges[c.ranges.length - 1]?.[1] ?? -1;
  if (c.firstId !== first) throw bad('firstId', c.firstId);
  if (c.lastId !== last) throw bad('lastId', c.lastId);
  if (c.high < c.low || c.open > c.high || c.open < c.low || c.close > c.high || c.close < c.low) {
    throw bad('high', `${c.high} (low ${c.low}, open ${c.open}, close ${c.close})`);
  }
}

function field(r: Record<string, unknown>, name: string, type: 'string'): string {
  const v = r[name];
  if (typeof v !== type) throw bad(name, v);
  return v as string;
}

function int(r: Record<string, unknown>, name: string): number {
  const v = r[name];
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  throw bad(name, v);
}

function dec(r: Record<string, unknown>, name: string, scale: number): bigint {
  const v = r[name];
  if (typeof v !== 'string') throw bad(name, v);
  try {
    return parseScaled(v, scale, name);
  } catch (err) {
    throw new CoreError('BAD_CANDLE', `candle record field ${name} is not a decimal: ${JSON.stringify(v)}`, {
      cause: err,
    });
  }
}

function bad(name: string, v: unknown): CoreError {
  return new CoreError('BAD_CANDLE', `candle record field ${name} is invalid: ${JSON.stringify(String(v))}`);
}
