/**
 * The fastest path for the one frame shape that makes up nearly all traffic: a spot `@trade` event
 * exactly as Binance lays it out, raw or in the combined-stream envelope:
 *
 *   {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":2,"p":"1.0","q":"2.0","T":1,"m":true,"M":true}}
 *
 * It checks the literal text between the values instead of parsing keys, and gives up (returns
 * undefined) at the first difference (another key order, extra fields, whitespace, an escape), leaving
 * the frame to the general scanner. Values get the same validation as on every other path.
 */
import type { Trade } from '../trade.js';
import { exchangeSymbol, nonNegativeInteger, positiveDecimal, tradeTime } from './fields.js';

const ENVELOPE = '{"stream":"';
const DATA = '","data":{"e":"trade","E":';
const RAW = '{"e":"trade","E":';
const SYMBOL = ',"s":"';
const ID = '","t":';
const PRICE = ',"p":"';
const QTY = '","q":"';
const TIME = '","T":';
const MAKER = ',"m":';
const TAIL_TRUE = ',"M":true}';
const TAIL_FALSE = ',"M":false}';

let src = '';
let pos = 0;
let lastStream = '';

export interface TemplateTrade {
  readonly trade: Trade;
  readonly stream: string | undefined;
}

export function scanTradeTemplate(text: string): TemplateTrade | undefined {
  src = text;
  pos = 0;
  let stream: string | undefined;
  if (text.startsWith(ENVELOPE)) {
    pos = ENVELOPE.length;
    const name = string();
    if (name === undefined) return undefined;
    stream = name === lastStream ? lastStream : name;
    lastStream = stream;
    if (!literal(DATA)) return undefined;
  } else if (!literal(RAW)) {
    return undefined;
  }
  if (integer() < 0 || !literal(SYMBOL)) return undefined; // the event time: checked, not kept
  const symbol = string();
  if (symbol === undefined || !literal(ID)) return undefined;
  const id = integer();
  if (id < 0 || !literal(PRICE)) return undefined;
  const price = string();
  if (price === undefined || !literal(QTY)) return undefined;
  const qty = string();
  if (qty === undefined || !literal(TIME)) return undefined;
  const time = integer();
  if (time < 0 || !literal(MAKER)) return undefined;
  let buyerIsMaker: boolean;
  if (literal('true')) buyerIsMaker = true;
  else if (literal('false')) buyerIsMaker = false;
  else return undefined;
  if (!literal(TAIL_TRUE) && !literal(TAIL_FALSE)) return undefined;
  if (stream !== undefined && !literal('}')) return undefined;
  if (pos !== text.length) return undefined;
  src = '';
  const trade: Trade = {
    symbol: exchangeSymbol(symbol, 's'),
    id: nonNegativeInteger(id, 't'),
    price: positiveDecimal(price, 'p'),
    qty: positiveDecimal(qty, 'q'),
    time: tradeTime(time, 'T'),
    buyerIsMaker,
  };
  return { trade, stream };
}

function literal(text: string): boolean {
  if (!src.startsWith(text, pos)) return false;
  pos += text.length;
  return true;
}

/** A non-negative JSON integer of up to 15 digits; -1 when the text is anything else. */
function integer(): number {
  let i = pos;
  let value = 0;
  for (;;) {
    const d = src.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) break;
    value = value * 10 + d;
    i++;
  }
  const n = i - pos;
  if (n === 0 || n > 15 || (n > 1 && src.charCodeAt(pos) === 48)) return -1;
  const next = src.charCodeAt(i);
  if (next === 46 || next === 101 || next === 69) return -1;
  pos = i;
  return value;
}

/** A string without escapes (the opening quote is already consumed); undefined otherwise. */
function string(): string | undefined {
  const start = pos;
  let i = start;
  for (;;) {
    const c = src.charCodeAt(i);
    if (c === 34) break;
    if (c === 92 || c < 32 || Number.isNaN(c)) return undefined;
    i++;
  }
  pos = i;
  return src.slice(start, i);
}
