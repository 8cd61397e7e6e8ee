/**
 * Checks on the single fields every trade source shares (WebSocket frames, REST, CSV), so that all
 * sources reject exactly the same values with errors that name the field.
 */
import { unitsOf } from '../decimal.js';
import { CoreError, TradeParseError } from '../errors.js';
import type { Trade } from '../trade.js';

/**
 * Times at or above this are microseconds: as milliseconds it would be the year 5138, while as
 * microseconds it is 1973, long before any Binance trade.
 */
const MICROS_FROM = 1e14;

/**
 * Upper-cases the caller's symbol. Only separators and blanks are refused: Binance lists symbols with
 * non-ASCII letters, so a stricter alphabet would reject real markets.
 */
export function normalizeSymbol(symbol: string): string {
  const upper = symbol.toUpperCase();
  if (!/^[^\s,]+$/u.test(upper)) throw new TradeParseError('symbol', symbol, 'not a symbol');
  return upper;
}

/** Checks a price or quantity and returns the exchange's own string, which stays the value of record. */
/** Stands for "nothing cached yet": no input can be identical to it. */
const NONE: unknown = Symbol('none');

export function positiveDecimal(value: unknown, field: string): string {
  // A JSON number has already been through a binary fraction, so it is not the exchange's exact value.
  if (typeof value !== 'string') throw new TradeParseError(field, value, 'not a decimal string');
  let units: number | bigint;
  try {
    units = unitsOf(value, field);
  } catch (err) {
    if (!(err instanceof CoreError)) throw err;
    const reason = value.startsWith('-')
      ? 'negative'
      : 'not a plain decimal with at most 8 fractional digits';
    throw new TradeParseError(field, value, reason);
  }
  if (units === 0 || units === 0n) throw new TradeParseError(field, value, 'not positive');
  return value;
}

/** True for "0", "0.00000000" and the like: the price and quantity of an audited-invalid aggTrade. */
export function isZeroDecimal(value: unknown): boolean {
  return typeof value === 'string' && /^0+(\.0+)?$/.test(value);
}

/** Checks an id or a raw time that arrived as a JSON number. */
export function nonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TradeParseError(field, value, 'not a non-negative safe integer');
  }
  return value;
}

/** Checks an id or a raw time that arrived as CSV text; signs, blanks and exponents are refused. */
export function nonNegativeIntegerText(text: string, field: string): number {
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new TradeParseError(field, text, 'not a non-negative safe integer');
  return value;
}

/** Brings a raw time to milliseconds, flooring microseconds. */
export function toMillis(raw: number): number {
  if (raw < MICROS_FROM) return raw;
  // Subtracting the remainder first keeps the division exact; raw / 1000 can round up to the next ms.
  return (raw - (raw % 1000)) / 1000;
}

/** Builds an aggregated trade covering ids first..last, with `lastId` only when it spans several fills. */
export function spanTrade(
  symbol: string,
  first: number,
  last: number,
  fields: { price: string; qty: string; time: number; buyerIsMaker: boolean },
): Trade {
  const { price, qty, time, buyerIsMaker } = fields;
  if (last === first) return { symbol, id: first, price, qty, time, buyerIsMaker };
  return { symbol, id: first, lastId: last, price, qty, time, buyerIsMaker };
}

let lastSymbol: unknown = NONE;

/** A symbol as the exchange sends it: already upper-case, no blanks or separators. */
export function exchangeSymbol(value: unknown, field: string): string {
  if (value === lastSymbol) return value as string; // streams repeat a handful of symbols; skip the checks
  if (typeof value !== 'string' || value === '' || value.length > 64 || /[\s,a-z]/.test(value)) {
    throw new TradeParseError(field, value, 'not an upper-case symbol');
  }
  lastSymbol = value;
  return value;
}

/** A trade time that arrived as a JSON number, in milliseconds (microseconds are floored). */
export function tradeTime(value: unknown, field: string): number {
  return toMillis(nonNegativeInteger(value, field));
}
