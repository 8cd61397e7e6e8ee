/**
 * Parses Binance REST trade responses (`GET /api/v3/historicalTrades`, `GET /api/v3/aggTrades`) into
 * normalized trades. Errors name fields by their JSON keys so they can be matched against the raw body.
 */
import { TradeParseError } from '../errors.js';
import type { Trade } from '../trade.js';
import { type BatchResult, collectBatch } from './batch.js';
import {
  isZeroDecimal,
  nonNegativeInteger,
  normalizeSymbol,
  positiveDecimal,
  spanTrade,
  toMillis,
} from './fields.js';

export type { BatchResult } from './batch.js';

/** Parses a `historicalTrades` (or `trades`) response body; bad elements are reported, good ones kept. */
export function parseHistoricalTrades(json: unknown, symbol: string): BatchResult {
  const records = requireArray(json);
  const sym = normalizeSymbol(symbol);
  return collectBatch(1, records.length, (lineNo) => historicalTrade(records[lineNo - 1], sym));
}

/** Parses an `aggTrades` response body; audited-invalid records are counted in `dropped`. */
export function parseAggTrades(json: unknown, symbol: string): BatchResult {
  const records = requireArray(json);
  const sym = normalizeSymbol(symbol);
  return collectBatch(1, records.length, (lineNo) => aggTrade(records[lineNo - 1], sym));
}

/** Parses one `historicalTrades` element, e.g. `{"id":28457,"price":"4.00000100","qty":"12.00000000",...}`. */
export function parseHistoricalTrade(obj: unknown, symbol: string): Trade {
  return historicalTrade(obj, normalizeSymbol(symbol));
}

/**
 * Parses one `aggTrades` element. Returns null for a record a 2022 audit marked invalid
 * (`p` and `q` zero, `f` and `l` -1): it stands for no trades, so it is skipped rather than reported.
 */
export function parseAggTradeRecord(obj: unknown, symbol: string): Trade | null {
  return aggTrade(obj, normalizeSymbol(symbol));
}

function requireArray(json: unknown): unknown[] {
  if (!Array.isArray(json)) throw new TradeParseError('body', json, 'response body is not an array');
  return json;
}

function requireObject(obj: unknown): Record<string, unknown> {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new TradeParseError('record', obj, 'record is not an object');
  }
  return obj as Record<string, unknown>;
}

function requireBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new TradeParseError(field, value, 'not a boolean');
  return value;
}

function historicalTrade(obj: unknown, symbol: string): Trade {
  const r = requireObject(obj);
  return {
    symbol,
    id: nonNegativeInteger(r.id, 'id'),
    price: positiveDecimal(r.price, 'price'),
    qty: positiveDecimal(r.qty, 'qty'),
    time: toMillis(nonNegativeInteger(r.time, 'time')),
    buyerIsMaker: requireBoolean(r.isBuyerMaker, 'isBuyerMaker'),
  };
}

function aggTrade(obj: unknown, symbol: string): Trade | null {
  const r = requireObject(obj);
  if (r.f === -1 && r.l === -1 && isZeroDecimal(r.p) && isZeroDecimal(r.q)) return null;
  // The agg id is checked though unused: a record without a sane one is not a record we understand.
  nonNegativeInteger(r.a, 'a');
  // Trade.id is the first fill's id, so aggTrades and plain trades number the same sequence.
  const first = nonNegativeInteger(r.f, 'f');
  const last = nonNegativeInteger(r.l, 'l');
  if (last < first) throw new TradeParseError('l', r.l, `last trade id is below first trade id ${first}`);
  return spanTrade(symbol, first, last, {
    price: positiveDecimal(r.p, 'p'),
    qty: positiveDecimal(r.q, 'q'),
    time: toMillis(nonNegativeInteger(r.T, 'T')),
    buyerIsMaker: requireBoolean(r.m, 'm'),
  });
}
