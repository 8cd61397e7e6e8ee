/**
 * The trade batch on the wire between the producer and the processors (SQS and Pub/Sub bodies).
 *
 * `{"v":1,"market":"spot","symbol":"BTCUSDT","firstId":F,"lastId":L,"trades":[{"t":id,"p":"price",
 * "q":"qty","T":timeMs,"m":buyerIsMaker},...]}`: consecutive trades of one symbol in id order. An
 * entry stands for several fills at one price only when it carries `"l"` (its last trade id), which
 * happens for trades backfilled from aggTrades. The README documents this as a public contract.
 */
import { TradeParseError } from './errors.js';
import { exchangeSymbol, nonNegativeInteger, positiveDecimal, tradeTime } from './parse/fields.js';
import type { Market, Trade } from './trade.js';

export const WIRE_VERSION = 1;

export interface WireBatch {
  readonly market: Market;
  readonly symbol: string;
  readonly firstId: number;
  readonly lastId: number;
  readonly trades: readonly Trade[];
}

/**
 * One trade as its JSON entry. The producer encodes each trade once, on arrival, and joins entries
 * into bodies; price and quantity are validated decimal strings, so they need no escaping.
 */
export function tradeEntry(t: Trade): string {
  const span = t.lastId === undefined ? '' : `,"l":${t.lastId}`;
  return `{"t":${t.id}${span},"p":"${t.price}","q":"${t.qty}","T":${t.time},"m":${t.buyerIsMaker}}`;
}

/** The last trade id an entry covers. */
export function lastIdOf(t: Trade): number {
  return t.lastId ?? t.id;
}

/** Joins entries (from {@link tradeEntry}, consecutive ids in order) into a batch body. */
export function batchBody(
  market: Market,
  symbol: string,
  firstId: number,
  lastId: number,
  entries: readonly string[],
): string {
  return `${batchPrefix(market, symbol, firstId, lastId)}${entries.join(',')}${BATCH_SUFFIX}`;
}

/** The body up to the first entry; the entries joined by commas and {@link BATCH_SUFFIX} complete it. */
export function batchPrefix(market: Market, symbol: string, firstId: number, lastId: number): string {
  return `{"v":${WIRE_VERSION},"market":"${market}","symbol":${JSON.stringify(symbol)},"firstId":${firstId},"lastId":${lastId},"trades":[`;
}

export const BATCH_SUFFIX = ']}';

/** Encodes a whole batch; the trades must be consecutive, which {@link decodeBatch} checks on the way in. */
export function encodeBatch(batch: WireBatch): string {
  return batchBody(batch.market, batch.symbol, batch.firstId, batch.lastId, batch.trades.map(tradeEntry));
}

/** Bytes an envelope adds around the entries, for size planning; the symbol is counted by the caller. */
export const ENVELOPE_OVERHEAD_BYTES = 110;

/**
 * Parses and validates a body. Every rule of the contract is checked, so a consumer never folds a
 * malformed or inconsistent batch into a candle: errors name the field, e.g. `trades[3].p`.
 */
export function decodeBatch(text: string): WireBatch {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TradeParseError('body', text, `not valid JSON (${(err as Error).message})`);
  }
  const top = requireObject(parsed, 'body');
  if (top.v !== WIRE_VERSION)
    throw new TradeParseError('v', top.v, `unsupported batch version (expected ${WIRE_VERSION})`);
  if (top.market !== 'spot' && top.market !== 'usdm')
    throw new TradeParseError('market', top.market, 'not spot or usdm');
  const symbol = exchangeSymbol(top.symbol, 'symbol');
  const firstId = nonNegativeInteger(top.firstId, 'firstId');
  const lastId = nonNegativeInteger(top.lastId, 'lastId');
  if (!Array.isArray(top.trades) || top.trades.length === 0) {
    throw new TradeParseError('trades', top.trades, 'not a non-empty array');
  }
  const trades = top.trades.map((entry, i) => decodeEntry(entry, symbol, `trades[${i}]`));
  checkConsecutive(trades, firstId, lastId);
  return { market: top.market, symbol, firstId, lastId, trades };
}

function decodeEntry(entry: unknown, symbol: string, at: string): Trade {
  const e = requireObject(entry, at);
  const id = nonNegativeInteger(e.t, `${at}.t`);
  const price = positiveDecimal(e.p, `${at}.p`);
  const qty = positiveDecimal(e.q, `${at}.q`);
  const time = tradeTime(e.T, `${at}.T`);
  if (typeof e.m !== 'boolean') throw new TradeParseError(`${at}.m`, e.m, 'not a boolean');
  if (e.l === undefined) return { symbol, id, price, qty, time, buyerIsMaker: e.m };
  const lastId = nonNegativeInteger(e.l, `${at}.l`);
  if (lastId <= id) throw new TradeParseError(`${at}.l`, e.l, `not above the entry's first id ${id}`);
  return { symbol, id, lastId, price, qty, time, buyerIsMaker: e.m };
}

function checkConsecutive(trades: readonly Trade[], firstId: number, lastId: number): void {
  let expected = firstId;
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i] as Trade;
    if (t.id !== expected && i === 0) {
      throw new TradeParseError('firstId', firstId, `does not match the first trade id ${t.id}`);
    }
    if (t.id !== expected) {
      throw new TradeParseError(`trades[${i}].t`, t.id, `not consecutive (expected id ${expected})`);
    }
    expected = lastIdOf(t) + 1;
  }
  if (expected - 1 !== lastId)
    throw new TradeParseError('lastId', lastId, `does not match the last trade id ${expected - 1}`);
}

function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TradeParseError(field, value, 'not a JSON object');
  }
  return value as Record<string, unknown>;
}
