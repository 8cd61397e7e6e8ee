/**
 * Turns Binance REST response bodies into trades or typed errors. A body is taken whole or not at all:
 * one bad record fails the page, since skipping it would leave a hole nobody reports.
 */
import { TradeParseError } from '../../core/errors.js';
import { parseAggTradeRecord, parseHistoricalTrades } from '../../core/parse/rest.js';
import type { Trade } from '../../core/trade.js';
import { BadResponseError, BinanceRejectedError } from './errors.js';

/** An aggTrade as a Trade (`id`..`lastId` are its fills) plus its aggregate id, which paging needs. */
export interface AggTrade extends Trade {
  readonly aggId: number;
}

export function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadResponseError(path, 'body', text.slice(0, 80), undefined, 'not JSON', err);
  }
}

export function historicalBody(path: string, body: unknown, symbol: string): Trade[] {
  let batch: ReturnType<typeof parseHistoricalTrades>;
  try {
    batch = parseHistoricalTrades(body, symbol);
  } catch (err) {
    throw wrapParseError(path, err, undefined);
  }
  const bad = batch.errors[0];
  if (bad !== undefined) throw BadResponseError.fromParse(path, bad, (bad.line ?? 1) - 1);
  return batch.trades;
}

/** aggTrades with their aggregate ids; records a 2022 audit voided stand for no trades and are dropped. */
export function aggBody(path: string, body: unknown, symbol: string): AggTrade[] {
  if (!Array.isArray(body)) {
    throw new BadResponseError(path, 'body', typeof body, undefined, 'response body is not an array');
  }
  const out: AggTrade[] = [];
  for (const [index, raw] of body.entries()) {
    let trade: Trade | null;
    try {
      trade = parseAggTradeRecord(raw, symbol);
    } catch (err) {
      throw wrapParseError(path, err, index);
    }
    // The parser has checked `a` is a non-negative integer before accepting the record.
    if (trade !== null) out.push({ ...trade, aggId: (raw as { a: number }).a });
  }
  return out;
}

/** A 4xx other than a rate limit, with Binance's code and msg when the body has them. */
export function rejection(path: string, status: number, text: string): BinanceRejectedError {
  let code: number | undefined;
  let msg: string | undefined;
  try {
    const body = JSON.parse(text) as { code?: unknown; msg?: unknown };
    if (typeof body.code === 'number') code = body.code;
    if (typeof body.msg === 'string') msg = body.msg;
  } catch {
    // A 4xx from a proxy or WAF has no Binance body; the status still says enough.
    msg = text.slice(0, 200) || undefined;
  }
  return new BinanceRejectedError(path, status, code, msg);
}

function wrapParseError(path: string, err: unknown, index: number | undefined): unknown {
  return err instanceof TradeParseError ? BadResponseError.fromParse(path, err, index) : err;
}
