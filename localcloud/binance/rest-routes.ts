/**
 * The REST endpoints the producer uses, as Binance answers them: parameters checked with Binance's
 * error codes, bodies shaped and ordered like the real ones, and each endpoint's request weight.
 */
import { canonicalDecimal, PRODUCT_SCALE, parseUnits, toBigInt } from '../../core/decimal.js';
import type { Trade } from '../../core/trade.js';
import { illegalParam, invalidSymbol, missingParam, RestError } from './errors.js';
import type { Market } from './market.js';

export interface Route {
  readonly weight: number;
  /** The JSON body of a 200 answer; throws RestError for a request Binance would refuse. */
  readonly answer: (query: URLSearchParams) => unknown;
}

const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 1000;
const HOUR_MS = 3_600_000;
const LONG = '^[0-9]{1,20}$';

export function routes(market: Market, now: () => number): ReadonlyMap<string, Route> {
  return new Map<string, Route>([
    ['/api/v3/ping', { weight: 1, answer: () => ({}) }],
    ['/api/v3/time', { weight: 1, answer: () => ({ serverTime: now() }) }],
    ['/api/v3/historicalTrades', { weight: 25, answer: (q) => historicalTrades(market, q) }],
    ['/api/v3/aggTrades', { weight: 4, answer: (q) => aggTrades(market, q) }],
  ]);
}

function historicalTrades(market: Market, q: URLSearchParams): unknown[] {
  const symbol = symbolParam(market, q);
  const trades = market.trades(symbol, longParam(q, 'fromId'), limitParam(q));
  return trades.map(historicalTrade);
}

function historicalTrade(t: Trade): unknown {
  const quote = toBigInt(parseUnits(t.price)) * toBigInt(parseUnits(t.qty));
  return {
    id: t.id,
    price: t.price,
    qty: t.qty,
    quoteQty: canonicalDecimal(quote, PRODUCT_SCALE),
    time: t.time,
    isBuyerMaker: t.buyerIsMaker,
    isBestMatch: true,
  };
}

function aggTrades(market: Market, q: URLSearchParams): unknown[] {
  const symbol = symbolParam(market, q);
  const fromId = longParam(q, 'fromId');
  const startTime = longParam(q, 'startTime');
  const endTime = longParam(q, 'endTime');
  if (startTime !== undefined && endTime !== undefined && endTime - startTime >= HOUR_MS) {
    throw new RestError(400, -1127, 'More than 1 hours between startTime and endTime.');
  }
  return market.aggTrades(symbol).select({ fromId, startTime, endTime, limit: limitParam(q) });
}

function symbolParam(market: Market, q: URLSearchParams): string {
  const symbol = q.get('symbol');
  if (symbol === null || symbol === '') throw missingParam('symbol');
  if (!market.has(symbol)) throw invalidSymbol();
  return symbol;
}

function longParam(q: URLSearchParams, name: string): number | undefined {
  const text = q.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (!/^[0-9]{1,20}$/.test(text) || !Number.isSafeInteger(value)) throw illegalParam(name, LONG);
  return value;
}

/** A larger limit is capped at the maximum, as Binance does for klines (assumed the same here). */
function limitParam(q: URLSearchParams): number {
  const limit = longParam(q, 'limit') ?? DEFAULT_LIMIT;
  if (limit < 1) throw illegalParam('limit', `1 to ${MAX_LIMIT}`);
  return Math.min(limit, MAX_LIMIT);
}
