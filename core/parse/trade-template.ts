/**
 * The fastest path for the one frame shape that makes up nearly all traffic: a spot `@trade` event
 * exactly as Binance lays it out, raw or in the combined-stream envelope:
 *
 *   {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":2,"p":"1.0","q":"2.0","T":1,"m":true,"M":true}}
 *
 * It checks the literal text between the values instead of parsing keys, reads price and quantity
 * into exact units in the same pass, and gives up (returns undefined) at the first difference:
 * another key order, extra fields, whitespace, an escape, a value outside the plain fast case. The
 * general scanner then handles the frame, with the same validation and the same errors.
 */
import { rememberUnits, SCALE } from '../decimal.js';
import type { Trade } from '../trade.js';
import { exchangeSymbol, toMillis } from './fields.js';

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

export interface TemplateTrade {
  readonly kind: 'trade';
  readonly trade: Trade;
  readonly stream: string | undefined;
}

let lastStream = '';
/** Units of the decimal last read by decimalEnd; valid only right after it returns an index. */
let decimalUnits = 0;

export function scanTradeTemplate(text: string): TemplateTrade | undefined {
  let i: number;
  let stream: string | undefined;
  if (text.startsWith(ENVELOPE)) {
    const start = ENVELOPE.length;
    const end = stringEnd(text, start);
    if (end < 0) return undefined;
    stream =
      end - start === lastStream.length && text.startsWith(lastStream, start)
        ? lastStream
        : text.slice(start, end);
    lastStream = stream;
    i = literal(text, end, DATA);
  } else {
    i = literal(text, 0, RAW);
  }
  let e = integerEnd(text, i); // the event time: checked, not kept
  i = literal(text, e, SYMBOL);
  if (i < 0) return undefined;
  e = stringEnd(text, i);
  if (e < 0) return undefined;
  const symbol = text.slice(i, e);
  i = literal(text, e, ID);
  e = integerEnd(text, i);
  if (e < 0) return undefined;
  const id = integerValue(text, i, e);
  i = literal(text, e, PRICE);
  e = decimalEnd(text, i);
  if (e < 0) return undefined;
  const price = text.slice(i, e);
  const priceUnits = decimalUnits;
  i = literal(text, e, QTY);
  e = decimalEnd(text, i);
  if (e < 0) return undefined;
  const qty = text.slice(i, e);
  const qtyUnits = decimalUnits;
  i = literal(text, e, TIME);
  e = integerEnd(text, i);
  if (e < 0) return undefined;
  const rawTime = integerValue(text, i, e);
  i = literal(text, e, MAKER);
  if (i < 0) return undefined;
  const buyerIsMaker = text.charCodeAt(i) === 116; // t
  i = literal(text, i, buyerIsMaker ? 'true' : 'false');
  i = Math.max(literal(text, i, TAIL_TRUE), literal(text, i, TAIL_FALSE));
  if (stream !== undefined) i = literal(text, i, '}');
  if (i !== text.length) return undefined;
  rememberUnits(price, priceUnits);
  rememberUnits(qty, qtyUnits);
  const trade: Trade = {
    symbol: exchangeSymbol(symbol, 's'),
    id,
    price,
    qty,
    time: toMillis(rawTime),
    buyerIsMaker,
  };
  return { kind: 'trade', trade, stream };
}

/** Index after `lit` when the text has it at `i`; -1 otherwise (and for i = -1). */
function literal(text: string, i: number, lit: string): number {
  return i >= 0 && text.startsWith(lit, i) ? i + lit.length : -1;
}

/** End of a non-negative JSON integer of 1 to 15 digits at `i`; -1 for anything else. */
function integerEnd(text: string, i: number): number {
  if (i < 0) return -1;
  let k = i;
  for (;;) {
    const d = text.charCodeAt(k) - 48;
    if (!(d >= 0 && d <= 9)) break;
    k++;
  }
  const n = k - i;
  if (n === 0 || n > 15 || (n > 1 && text.charCodeAt(i) === 48)) return -1;
  const next = text.charCodeAt(k);
  return next === 46 || next === 101 || next === 69 ? -1 : k;
}

function integerValue(text: string, i: number, end: number): number {
  let v = 0;
  for (; i < end; i++) v = v * 10 + (text.charCodeAt(i) - 48);
  return v;
}

/** End of a string without escapes or control characters whose opening quote precedes `i`. */
function stringEnd(text: string, i: number): number {
  if (i < 0) return -1;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 34) return i;
    if (c === 92 || c < 32 || Number.isNaN(c)) return -1;
    i++;
  }
}

/**
 * End of a positive decimal at `i` that parses to a safe number of 1e-8 units under parseUnits'
 * rules (digits, one inner point, nothing non-zero past the 8th fractional digit), leaving its
 * units in `decimalUnits`; -1 for anything else, which the general path then judges.
 */
function decimalEnd(text: string, i: number): number {
  if (i < 0) return -1;
  let value = 0;
  let frac = -1;
  let k = i;
  for (; ; k++) {
    const c = text.charCodeAt(k);
    if (c === 46) {
      if (frac >= 0 || k === i) return -1;
      frac = 0;
      continue;
    }
    const d = c - 48;
    if (!(d >= 0 && d <= 9)) break;
    if (frac === SCALE) {
      if (d !== 0) return -1;
      continue;
    }
    if (frac >= 0) frac++;
    value = value * 10 + d;
  }
  if (text.charCodeAt(k) !== 34 || frac === 0 || k === i) return -1;
  for (let pad = frac < 0 ? SCALE : SCALE - frac; pad > 0; pad--) value *= 10;
  if (value === 0 || value > Number.MAX_SAFE_INTEGER) return -1;
  decimalUnits = value;
  return k;
}
