/**
 * Binance WebSocket market frames → normalized events.
 *
 * Handles raw (`/ws/<stream>`) and combined (`{"stream":…,"data":…}`) frames, spot and USDⓈ-M futures
 * `@trade` (futures trades count in klines only when `X` is `MARKET`), `@aggTrade`, `serverShutdown`,
 * and control responses. The hot path is a single-pass scanner that reads the flat objects these
 * frames are without building them; anything it does not expect (escapes, nesting, fractional
 * numbers) falls back to JSON.parse. Both paths feed the same validation, so they agree by
 * construction and a malformed frame gets the same precise error either way.
 */
import { TradeParseError } from '../errors.js';
import type { Trade } from '../trade.js';
import { exchangeSymbol, nonNegativeInteger, positiveDecimal, tradeTime } from './fields.js';
import { scanTradeTemplate } from './trade-template.js';

export type FrameEvent =
  | { readonly kind: 'trade'; readonly trade: Trade; readonly stream?: string }
  | { readonly kind: 'shutdown'; readonly time: number; readonly stream?: string }
  | { readonly kind: 'control'; readonly id: unknown; readonly result: unknown; readonly error?: unknown }
  | { readonly kind: 'ignored'; readonly reason: string; readonly stream?: string };

/** Fields a frame may carry; the scanner fills one of these, JSON.parse produces the same shape. */
interface Fields {
  e?: unknown;
  E?: unknown;
  s?: unknown;
  t?: unknown;
  p?: unknown;
  q?: unknown;
  T?: unknown;
  m?: unknown;
  X?: unknown;
  a?: unknown;
  f?: unknown;
  l?: unknown;
  stream?: unknown;
  data?: unknown;
  result?: unknown;
  id?: unknown;
  error?: unknown;
}

/** Parses one frame. Throws TradeParseError naming the field when the frame is malformed. */
export function parseFrame(text: string): FrameEvent {
  const common = scanTradeTemplate(text);
  if (common !== undefined) return common;
  const fast = scanFrame(text);
  if (fast !== undefined) return toEvent(fast.data, fast.stream);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TradeParseError('frame', text, `not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(parsed)) throw new TradeParseError('frame', text, 'not a JSON object');
  const top = parsed as Fields;
  if (top.data !== undefined || top.stream !== undefined) {
    if (typeof top.stream !== 'string') throw new TradeParseError('stream', top.stream, 'not a string');
    if (!isObject(top.data)) throw new TradeParseError('data', top.data, 'not a JSON object');
    return toEvent(top.data as Fields, top.stream);
  }
  return toEvent(top, undefined);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toEvent(d: Fields, stream: string | undefined): FrameEvent {
  switch (d.e) {
    case 'trade':
      return tradeEvent(d, stream);
    case 'aggTrade':
      return aggTradeEvent(d, stream);
    case 'serverShutdown':
      return { kind: 'shutdown', time: tradeTime(d.E, 'E'), stream };
    case undefined:
      if (d.id !== undefined || d.result !== undefined || d.error !== undefined) {
        return { kind: 'control', id: d.id, result: d.result, error: d.error };
      }
      throw new TradeParseError('e', undefined, 'frame has no event type');
    default:
      if (typeof d.e !== 'string') throw new TradeParseError('e', d.e, 'event type is not a string');
      return { kind: 'ignored', reason: `event type ${d.e}`, stream };
  }
}

function tradeEvent(d: Fields, stream: string | undefined): FrameEvent {
  if (d.X !== undefined && d.X !== 'MARKET') {
    if (typeof d.X !== 'string') throw new TradeParseError('X', d.X, 'not a string');
    return { kind: 'ignored', reason: `futures trade of type ${d.X}`, stream };
  }
  const trade: Trade = {
    symbol: exchangeSymbol(d.s, 's'),
    id: nonNegativeInteger(d.t, 't'),
    price: positiveDecimal(d.p, 'p'),
    qty: positiveDecimal(d.q, 'q'),
    time: tradeTime(d.T, 'T'),
    buyerIsMaker: validateBool(d.m, 'm'),
  };
  return { kind: 'trade', trade, stream };
}

function aggTradeEvent(d: Fields, stream: string | undefined): FrameEvent {
  if (d.f === -1 && d.l === -1) return { kind: 'ignored', reason: 'aggTrade marked invalid', stream };
  const first = nonNegativeInteger(d.f, 'f');
  const last = nonNegativeInteger(d.l, 'l');
  if (last < first) throw new TradeParseError('l', d.l, `last trade id is below first trade id ${first}`);
  const base = {
    symbol: exchangeSymbol(d.s, 's'),
    id: first,
    price: positiveDecimal(d.p, 'p'),
    qty: positiveDecimal(d.q, 'q'),
    time: tradeTime(d.T, 'T'),
    buyerIsMaker: validateBool(d.m, 'm'),
  };
  const trade: Trade = last > first ? { ...base, lastId: last } : base;
  return { kind: 'trade', trade, stream };
}

function validateBool(v: unknown, field: string): boolean {
  if (v === true || v === false) return v;
  throw new TradeParseError(field, v, 'not a boolean');
}

// ---- the scanner -------------------------------------------------------------------------------

/**
 * Fixed slots for the fields of a flat frame object, reused across frames so the hot path allocates
 * only the strings it keeps. Every slot is reset before a scan.
 */
class Slots implements Fields {
  e: unknown = undefined;
  E: unknown = undefined;
  s: unknown = undefined;
  t: unknown = undefined;
  p: unknown = undefined;
  q: unknown = undefined;
  T: unknown = undefined;
  m: unknown = undefined;
  X: unknown = undefined;
  a: unknown = undefined;
  f: unknown = undefined;
  l: unknown = undefined;
  stream: unknown = undefined;
  data: unknown = undefined;
  result: unknown = undefined;
  id: unknown = undefined;
  error: unknown = undefined;

  reset(): void {
    this.e = this.E = this.s = this.t = this.p = this.q = this.T = this.m = this.X = undefined;
    this.a = this.f = this.l = this.stream = this.data = this.result = this.id = this.error = undefined;
  }
}

const outer = new Slots();
const inner = new Slots();
const FALLBACK = 1;
const OK = 0;

let src = '';
let pos = 0;

function scanFrame(text: string): { data: Fields; stream: string | undefined } | undefined {
  src = text;
  pos = 0;
  outer.reset();
  inner.reset();
  const status = scanObject(outer, true);
  src = '';
  if (status === FALLBACK || pos !== text.length) return undefined;
  if (outer.data === undefined && outer.stream === undefined) return { data: outer, stream: undefined };
  if (typeof outer.stream !== 'string' || outer.data !== inner) return undefined;
  return { data: inner, stream: outer.stream };
}

function scanObject(into: Slots, top: boolean): number {
  if (src.charCodeAt(pos) !== 123) return FALLBACK; // {
  pos++;
  if (src.charCodeAt(pos) === 125) {
    pos++;
    return OK;
  }
  for (;;) {
    if (src.charCodeAt(pos) !== 34) return FALLBACK; // keys start right away; whitespace falls back
    const keyStart = pos + 1;
    // Most keys are one letter: check for that before searching for the closing quote.
    const keyEnd = keyEndAt(keyStart);
    if (keyEnd < 0 || src.charCodeAt(keyEnd + 1) !== 58) return FALLBACK;
    pos = keyEnd + 2;
    if (!storeValue(into, keyStart, keyEnd, top)) return FALLBACK;
    const c = src.charCodeAt(pos++);
    if (c === 125) return OK; // }
    if (c !== 44) return FALLBACK; // ,
  }
}

/** End of a key without escapes or control characters (most are one letter); -1 otherwise. */
function keyEndAt(keyStart: number): number {
  const c = src.charCodeAt(keyStart);
  if (c === 92 || c < 32) return -1;
  if (src.charCodeAt(keyStart + 1) === 34) return keyStart + 1;
  for (let i = keyStart + 1; ; i++) {
    const k = src.charCodeAt(i);
    if (k === 34) return i;
    if (k === 92 || k < 32 || Number.isNaN(k)) return -1;
  }
}

/** Reads the value at `pos` into the slot its key names; unknown keys are read and dropped. */
function storeValue(into: Slots, keyStart: number, keyEnd: number, top: boolean): boolean {
  if (keyEnd - keyStart === 1) {
    const k = src.charCodeAt(keyStart);
    const value = k === 101 || k === 115 ? scanRepeatedString() : scanValue(); // e and s repeat
    if (value === SCAN_FAILED) return false;
    switch (k) {
      case 101:
        into.e = value;
        break; // e
      case 69:
        into.E = value;
        break; // E
      case 115:
        into.s = value;
        break; // s
      case 116:
        into.t = value;
        break; // t
      case 112:
        into.p = value;
        break; // p
      case 113:
        into.q = value;
        break; // q
      case 84:
        into.T = value;
        break; // T
      case 109:
        into.m = value;
        break; // m
      case 88:
        into.X = value;
        break; // X
      case 97:
        into.a = value;
        break; // a
      case 102:
        into.f = value;
        break; // f
      case 108:
        into.l = value;
        break; // l
    }
    return true;
  }
  const key = src.slice(keyStart, keyEnd);
  if (key === 'data' && top) {
    if (into.data !== undefined) return false; // a repeated key: JSON.parse keeps the last one
    into.data = inner;
    return scanObject(inner, false) === OK;
  }
  const value = key === 'stream' ? scanRepeatedString() : scanValue();
  if (value === SCAN_FAILED) return false;
  if (key === 'stream') into.stream = value;
  else if (key === 'result') into.result = value;
  else if (key === 'id') into.id = value;
  else if (key === 'error' || key === 'data') return false; // objects: the general parser handles them
  return true;
}

const SCAN_FAILED = Symbol('scan failed');

function scanValue(): unknown {
  const c = src.charCodeAt(pos);
  if (c === 34) return scanString();
  if (c === 45 || (c >= 48 && c <= 57)) return scanInteger();
  if (c === 116 && src.startsWith('true', pos)) {
    pos += 4;
    return true;
  }
  if (c === 102 && src.startsWith('false', pos)) {
    pos += 5;
    return false;
  }
  if (c === 110 && src.startsWith('null', pos)) {
    pos += 4;
    return null;
  }
  return SCAN_FAILED;
}

/**
 * Recently seen string values (event types, symbols, stream names). A value equal to one of them is
 * returned without slicing, which saves an allocation per field and lets later Map lookups reuse the
 * string's cached hash.
 */
const recent: string[] = ['trade', 'aggTrade', '', '', '', '', '', ''];
let recentNext = 2;

function scanRepeatedString(): unknown {
  if (src.charCodeAt(pos) !== 34) return scanValue();
  const start = pos + 1;
  for (let r = 0; r < recent.length; r++) {
    const known = recent[r]!;
    const end = start + known.length;
    if (known !== '' && src.charCodeAt(end) === 34 && src.startsWith(known, start)) {
      pos = end + 1;
      return known;
    }
  }
  const value = scanString();
  if (typeof value === 'string' && value.length <= 64) {
    recent[recentNext] = value;
    recentNext = recentNext === recent.length - 1 ? 2 : recentNext + 1;
  }
  return value;
}

function scanString(): string | typeof SCAN_FAILED {
  const start = pos + 1;
  let i = start;
  for (;;) {
    const c = src.charCodeAt(i);
    if (c === 34) break;
    if (c === 92 || c < 32 || Number.isNaN(c)) return SCAN_FAILED; // escapes, control chars, end of input
    i++;
  }
  pos = i + 1;
  return src.slice(start, i);
}

function scanInteger(): number | typeof SCAN_FAILED {
  const start = pos;
  let i = pos;
  if (src.charCodeAt(i) === 45) i++;
  const digitsStart = i;
  let value = 0;
  for (;;) {
    const d = src.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) break; // also stops on NaN at the end of input
    value = value * 10 + d;
    i++;
  }
  const n = i - digitsStart;
  if (n === 0 || (n > 1 && src.charCodeAt(digitsStart) === 48)) return SCAN_FAILED; // JSON forbids leading zeros
  const next = src.charCodeAt(i);
  if (next === 46 || next === 101 || next === 69) return SCAN_FAILED; // fraction or exponent
  pos = i;
  if (n > 15) return Number(src.slice(start, i)); // the same rounding JSON.parse applies
  return start === digitsStart ? value : -value;
}
