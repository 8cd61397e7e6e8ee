/**
 * Binance kline intervals and the open/close times of the klines they cut time into.
 *
 * All times are UTC milliseconds since the epoch. Every interval except 1M has a fixed length, and a
 * kline opens at a multiple of that length counted from an anchor: the epoch for 1s..3d, and the first
 * Monday after it (1970-01-05) for 1w, since 1970-01-01 was a Thursday. 1M follows calendar months.
 * A kline closes 1 ms before the next one opens, as Binance reports it.
 *
 * Times are accepted anywhere in the range a Date can hold (±8.64e15 ms), which keeps every result an
 * exact integer and lets 1M lean on Date for its calendar arithmetic.
 */
import { CoreError } from './errors.js';

export type Interval =
  | '1s'
  | '1m'
  | '3m'
  | '5m'
  | '15m'
  | '30m'
  | '1h'
  | '2h'
  | '4h'
  | '6h'
  | '8h'
  | '12h'
  | '1d'
  | '3d'
  | '1w'
  | '1M';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday; weeks are anchored 4 days later, on Monday 1970-01-05. */
const WEEK_ANCHOR = 4 * DAY;

/** The ECMAScript time range: the largest magnitude a Date can hold. */
export const MAX_TIME_MS = 8.64e15;

/** Every interval, shortest first. */
export const INTERVALS: readonly Interval[] = Object.freeze([
  '1s',
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '6h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
] as const);

/**
 * Fixed lengths, looked up once per trade. 1M is absent rather than 0 so a lookup on it reads as
 * "no fixed length" to both the type checker and the reader.
 */
const LENGTH_MS: { readonly [K in Interval]?: number } = Object.freeze({
  '1s': SECOND,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '8h': 8 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
  '3d': 3 * DAY,
  '1w': WEEK,
});

const INTERVAL_SET: ReadonlySet<string> = new Set(INTERVALS);

export function isInterval(text: string): text is Interval {
  return INTERVAL_SET.has(text);
}

/** Checks an interval name. Names are case-sensitive: 1m is a minute, 1M a month. */
export function parseInterval(text: string): Interval {
  if (isInterval(text)) return text;
  const folded = INTERVALS.find((i) => i.toLowerCase() === text.toLowerCase());
  const hint = folded === undefined ? '' : ` (did you mean ${folded}? intervals are case-sensitive)`;
  throw new CoreError(
    'BAD_INTERVAL',
    `unknown kline interval ${JSON.stringify(text)}${hint}; valid intervals: ${INTERVALS.join(', ')}`,
  );
}

/** The fixed length of an interval in ms, or undefined for 1M, whose months run 28 to 31 days. */
export function intervalMs(interval: Interval): number | undefined {
  return LENGTH_MS[interval];
}

/** The open time of the kline containing `timeMs`. */
export function openTimeOf(timeMs: number, interval: Interval): number {
  checkTime(timeMs);
  const len = LENGTH_MS[interval];
  if (len === undefined) return checkedMonth(monthOpen(timeMs), timeMs);
  // `%` truncates toward zero, so a negative remainder means the floor lies one length further down.
  const r = (interval === '1w' ? timeMs - WEEK_ANCHOR : timeMs) % len;
  return r < 0 ? timeMs - r - len : timeMs - r;
}

/**
 * The open time of the kline after the one containing `openTime`. Given an open time, as the name
 * expects, that is simply the next open time; any other time is first taken to its kline.
 */
export function nextOpenTime(openTime: number, interval: Interval): number {
  const len = LENGTH_MS[interval];
  if (len === undefined) {
    checkTime(openTime);
    const d = new Date(openTime);
    return checkedMonth(monthStart(d.getUTCFullYear(), d.getUTCMonth() + 1), openTime);
  }
  return openTimeOf(openTime, interval) + len;
}

/** The close time of the kline containing `openTime`: 1 ms before the next kline opens. */
export function closeTimeOf(openTime: number, interval: Interval): number {
  return nextOpenTime(openTime, interval) - 1;
}

/** True when `timeMs` is exactly the open time of a kline; false for anything that is not a valid time. */
export function isOpenTime(timeMs: number, interval: Interval): boolean {
  if (!isTime(timeMs)) return false;
  const len = LENGTH_MS[interval];
  if (len === undefined) return monthOpen(timeMs) === timeMs;
  return (interval === '1w' ? timeMs - WEEK_ANCHOR : timeMs) % len === 0;
}

function isTime(timeMs: number): boolean {
  return Number.isInteger(timeMs) && timeMs >= -MAX_TIME_MS && timeMs <= MAX_TIME_MS;
}

function checkTime(timeMs: number): void {
  if (!isTime(timeMs)) {
    throw new CoreError('BAD_RECORD', `time is not an integer count of ms within ±${MAX_TIME_MS}: ${timeMs}`);
  }
}

/*
 * Trades arrive in time order, so consecutive calls almost always land in the same month. Remembering
 * the last month found skips the Date work for them; the cache holds only derived values, so it cannot
 * change any answer.
 */
let cachedOpen = 0;
let cachedNext = -1;

function monthOpen(timeMs: number): number {
  if (timeMs >= cachedOpen && timeMs < cachedNext) return cachedOpen;
  const d = new Date(timeMs);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const open = monthStart(year, month);
  const next = monthStart(year, month + 1);
  // The months holding ±MAX_TIME_MS cross the edge of Date's range; never cache a NaN boundary.
  if (!Number.isNaN(open) && !Number.isNaN(next)) {
    cachedOpen = open;
    cachedNext = next;
  }
  return open;
}

/** Months at either end of Date's range start or end outside it, where Date yields NaN. */
function checkedMonth(boundary: number, timeMs: number): number {
  if (Number.isNaN(boundary)) {
    throw new CoreError('BAD_RECORD', `the 1M kline of ${timeMs} reaches beyond the range of a Date`);
  }
  return boundary;
}

/** Start of a UTC month; `month` may run past 11 into the following year. */
function monthStart(year: number, month: number): number {
  // Not Date.UTC: it reads years 0..99 as 1900..1999.
  const d = new Date(0);
  return d.setUTCFullYear(year, month, 1);
}
