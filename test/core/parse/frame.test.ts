import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { formatScaled } from '../../../core/decimal.js';
import { CoreError, TradeParseError } from '../../../core/errors.js';
import { type FrameEvent, parseFrame } from '../../../core/parse/frame.js';
import type { Trade } from '../../../core/trade.js';
import { parseErrorOf } from '../../support/errors.js';

// ---- helpers -----------------------------------------------------------------------------------

/** A spot `@trade` payload as Binance sends it today. */
const SPOT = {
  e: 'trade',
  E: 1718000000123,
  s: 'BTCUSDT',
  t: 3624785431,
  p: '61837.63000000',
  q: '0.02000000',
  T: 1718000000122,
  m: true,
  M: true,
};
const SPOT_TEXT = JSON.stringify(SPOT);
const SPOT_TRADE: Trade = {
  symbol: 'BTCUSDT',
  id: 3624785431,
  price: '61837.63000000',
  qty: '0.02000000',
  time: 1718000000122,
  buyerIsMaker: true,
};

const AGG = {
  e: 'aggTrade',
  E: 1718000000200,
  s: 'ETHUSDT',
  a: 987654321,
  p: '3521.17000000',
  q: '0.50000000',
  f: 2000000001,
  l: 2000000001,
  T: 1718000000199,
  m: false,
  M: true,
};

/** The spot payload with some fields replaced; a field set to undefined is left out of the text. */
function spot(changes: Record<string, unknown>): string {
  return JSON.stringify({ ...SPOT, ...changes });
}

function agg(changes: Record<string, unknown>): string {
  return JSON.stringify({ ...AGG, ...changes });
}

function combined(stream: string, data: unknown): string {
  return JSON.stringify({ stream, data });
}

function errorOf(text: string): TradeParseError {
  return parseErrorOf(() => parseFrame(text), `the frame ${text}`);
}

type Outcome =
  | { readonly ok: true; readonly event: FrameEvent }
  | { readonly ok: false; readonly field: string; readonly value: string; readonly code: string };

/** What parseFrame makes of a text, with errors reduced to what must not depend on the spelling. */
function outcome(text: string): Outcome {
  try {
    return { ok: true, event: parseFrame(text) };
  } catch (err) {
    if (!(err instanceof TradeParseError)) throw err;
    // For field "frame" the value is the text itself, which differs between spellings by design.
    return { ok: false, field: err.field, value: err.field === 'frame' ? '' : err.value, code: err.code };
  }
}

/** The same JSON text with blanks after `{`, `:` and `,`, which the scanner leaves to JSON.parse. */
function spaced(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    out += c;
    if (inString) {
      if (c === '\\') out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === ':' || c === ',') out += ' ';
  }
  return out;
}

// ---- well-formed frames ------------------------------------------------------------------------

describe('parseFrame: spot trades', () => {
  it('normalizes a raw spot trade frame', () => {
    const event = parseFrame(SPOT_TEXT);
    expect(event).toStrictEqual({ kind: 'trade', trade: SPOT_TRADE, stream: undefined });
    expect(event.kind === 'trade' && 'lastId' in event.trade).toBe(false);
  });

  it('normalizes a combined-stream spot trade frame and keeps the stream name', () => {
    expect(parseFrame(combined('btcusdt@trade', SPOT))).toStrictEqual({
      kind: 'trade',
      trade: SPOT_TRADE,
      stream: 'btcusdt@trade',
    });
  });

  it('accepts older frames that still carry the buyer and seller order ids', () => {
    const text =
      '{"e":"trade","E":1499405254326,"s":"ETHBTC","t":12345,"p":"0.10000000","q":"1.00000000",' +
      '"b":88,"a":50,"T":1499405254326,"m":false,"M":true}';
    expect(parseFrame(text)).toStrictEqual({
      kind: 'trade',
      trade: {
        symbol: 'ETHBTC',
        id: 12345,
        price: '0.10000000',
        qty: '1.00000000',
        time: 1499405254326,
        buyerIsMaker: false,
      },
      stream: undefined,
    });
  });

  it('keeps the decimal strings exactly as printed', () => {
    const event = parseFrame(spot({ p: '0.00000001', q: '120000.5' }));
    expect(event.kind === 'trade' && [event.trade.price, event.trade.qty]).toStrictEqual([
      '0.00000001',
      '120000.5',
    ]);
  });

  it('accepts a non-ASCII exchange symbol', () => {
    const event = parseFrame(spot({ s: '币安人生USDT' }));
    expect(event.kind === 'trade' && event.trade.symbol).toBe('币安人生USDT');
  });

  it('floors microsecond trade times to the millisecond', () => {
    const at = (T: number) => {
      const event = parseFrame(spot({ T }));
      return event.kind === 'trade' ? event.trade.time : undefined;
    };
    expect(at(1718000000122999)).toBe(1718000000122);
    expect(at(1718000000122000)).toBe(1718000000122);
    expect(at(1e14)).toBe(1e11);
    expect(at(1e14 - 1)).toBe(1e14 - 1); // just below the threshold it is still milliseconds
    expect(at(0)).toBe(0);
  });
});

describe('parseFrame: USDⓈ-M futures trades', () => {
  const futures = {
    e: 'trade',
    E: 1718000000130,
    T: 1718000000127,
    s: 'BTCUSDT',
    t: 5158305581,
    p: '61830.10',
    q: '0.002',
    X: 'MARKET',
    m: false,
  };

  it('counts MARKET trades', () => {
    expect(parseFrame(JSON.stringify(futures))).toStrictEqual({
      kind: 'trade',
      trade: {
        symbol: 'BTCUSDT',
        id: 5158305581,
        price: '61830.10',
        qty: '0.002',
        time: 1718000000127,
        buyerIsMaker: false,
      },
      stream: undefined,
    });
  });

  it.each(['ADL', 'INSURANCE_FUND', 'NA'])('ignores %s trades, raw and combined', (X) => {
    expect(parseFrame(JSON.stringify({ ...futures, X }))).toStrictEqual({
      kind: 'ignored',
      reason: `futures trade of type ${X}`,
      stream: undefined,
    });
    expect(parseFrame(combined('btcusdt@trade', { ...futures, X }))).toStrictEqual({
      kind: 'ignored',
      reason: `futures trade of type ${X}`,
      stream: 'btcusdt@trade',
    });
  });

  it('ignores a non-MARKET trade even when its other fields are malformed', () => {
    expect(parseFrame(JSON.stringify({ ...futures, X: 'ADL', p: 'garbage', s: 'btc' })).kind).toBe('ignored');
  });
});

describe('parseFrame: aggTrade', () => {
  it('uses the first trade id and omits lastId for a single fill', () => {
    const event = parseFrame(JSON.stringify(AGG));
    expect(event).toStrictEqual({
      kind: 'trade',
      trade: {
        symbol: 'ETHUSDT',
        id: 2000000001,
        price: '3521.17000000',
        qty: '0.50000000',
        time: 1718000000199,
        buyerIsMaker: false,
      },
      stream: undefined,
    });
    expect(event.kind === 'trade' && 'lastId' in event.trade).toBe(false);
  });

  it('sets lastId for several fills and keeps the stream of a combined frame', () => {
    expect(parseFrame(combined('ethusdt@aggTrade', { ...AGG, f: 100, l: 105, m: true }))).toStrictEqual({
      kind: 'trade',
      trade: {
        symbol: 'ETHUSDT',
        id: 100,
        lastId: 105,
        price: '3521.17000000',
        qty: '0.50000000',
        time: 1718000000199,
        buyerIsMaker: true,
      },
      stream: 'ethusdt@aggTrade',
    });
  });

  it('ignores an aggTrade that the exchange marked invalid (f = l = -1)', () => {
    const invalid = { ...AGG, p: '0', q: '0', f: -1, l: -1 };
    expect(parseFrame(JSON.stringify(invalid))).toStrictEqual({
      kind: 'ignored',
      reason: 'aggTrade marked invalid',
      stream: undefined,
    });
    expect(parseFrame(combined('ethusdt@aggTrade', invalid))).toStrictEqual({
      kind: 'ignored',
      reason: 'aggTrade marked invalid',
      stream: 'ethusdt@aggTrade',
    });
  });

  it('floors a microsecond aggTrade time', () => {
    const event = parseFrame(agg({ T: 1718000000199456 }));
    expect(event.kind === 'trade' && event.trade.time).toBe(1718000000199);
  });
});

describe('parseFrame: serverShutdown and control responses', () => {
  it('reads serverShutdown, raw and combined', () => {
    expect(parseFrame('{"e":"serverShutdown","E":1718000000000}')).toStrictEqual({
      kind: 'shutdown',
      time: 1718000000000,
      stream: undefined,
    });
    expect(parseFrame('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1}}')).toStrictEqual({
      kind: 'shutdown',
      time: 1,
      stream: '!serverShutdown',
    });
    expect(parseFrame('{"e":"serverShutdown","E":1718000000000999}')).toStrictEqual({
      kind: 'shutdown',
      time: 1718000000000,
      stream: undefined,
    });
  });

  it('reads a subscription result', () => {
    expect(parseFrame('{"result":null,"id":1}')).toStrictEqual({
      kind: 'control',
      id: 1,
      result: null,
      error: undefined,
    });
    expect(parseFrame('{"result":["btcusdt@trade","ethusdt@aggTrade"],"id":"list-3"}')).toStrictEqual({
      kind: 'control',
      id: 'list-3',
      result: ['btcusdt@trade', 'ethusdt@aggTrade'],
      error: undefined,
    });
  });

  it('reads an error response', () => {
    expect(parseFrame('{"error":{"code":2,"msg":"Invalid request: unknown variable"},"id":1}')).toStrictEqual(
      {
        kind: 'control',
        id: 1,
        result: undefined,
        error: { code: 2, msg: 'Invalid request: unknown variable' },
      },
    );
  });

  it.each([
    ['kline', '{"e":"kline","E":1,"s":"BTCUSDT","k":{"t":0,"T":59999,"i":"1m","o":"1.0"}}'],
    ['24hrTicker', '{"e":"24hrTicker","E":1,"s":"BTCUSDT","c":"1.00"}'],
    ['depthUpdate', '{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","2"]],"a":[]}'],
  ])('ignores an unknown event type (%s) with a reason', (type, text) => {
    expect(parseFrame(text)).toStrictEqual({
      kind: 'ignored',
      reason: `event type ${type}`,
      stream: undefined,
    });
    expect(parseFrame(`{"stream":"btcusdt@x","data":${text}}`)).toStrictEqual({
      kind: 'ignored',
      reason: `event type ${type}`,
      stream: 'btcusdt@x',
    });
  });
});

// ---- malformed frames --------------------------------------------------------------------------

describe('parseFrame: malformed frames', () => {
  const cases: [string, string, string][] = [
    ['truncated JSON', SPOT_TEXT.slice(0, 40), 'frame'],
    ['truncated inside a string', '{"e":"trade","s":"BTC', 'frame'],
    ['truncated before the closing brace', SPOT_TEXT.slice(0, -1), 'frame'],
    ['an empty text', '', 'frame'],
    ['trailing garbage', `${SPOT_TEXT}x`, 'frame'],
    ['an array', '[]', 'frame'],
    ['an array of frames', `[${SPOT_TEXT}]`, 'frame'],
    ['a string', '"trade"', 'frame'],
    ['a number', '42', 'frame'],
    ['null', 'null', 'frame'],
    ['missing p', spot({ p: undefined }), 'p'],
    ['p as a fractional number', spot({ p: 61837.63 }), 'p'],
    ['p as an integer number', spot({ p: 61837 }), 'p'],
    ['p null', spot({ p: null }), 'p'],
    ['p "-1"', spot({ p: '-1' }), 'p'],
    ['p "0"', spot({ p: '0' }), 'p'],
    ['p "0.00000000"', spot({ p: '0.00000000' }), 'p'],
    ['p "1e5"', spot({ p: '1e5' }), 'p'],
    ['p ""', spot({ p: '' }), 'p'],
    ['p "1,5"', spot({ p: '1,5' }), 'p'],
    ['q with 9 significant decimals', spot({ q: '0.123456789' }), 'q'],
    ['q with a 9th decimal after zeros', spot({ q: '1.000000001' }), 'q'],
    ['missing q', spot({ q: undefined }), 'q'],
    ['t negative', spot({ t: -1 }), 't'],
    ['t fractional', spot({ t: 1.5 }), 't'],
    ['t a string', spot({ t: '3624785431' }), 't'],
    ['t beyond the safe range', spot({ t: 2 ** 53 }), 't'],
    ['t in exponent form', spot({ t: 1e21 }), 't'],
    ['missing t', spot({ t: undefined }), 't'],
    ['m "true"', spot({ m: 'true' }), 'm'],
    ['m 1', spot({ m: 1 }), 'm'],
    ['missing m', spot({ m: undefined }), 'm'],
    ['lowercase symbol', spot({ s: 'btcusdt' }), 's'],
    ['symbol with a blank', spot({ s: 'BTC USDT' }), 's'],
    ['symbol with a comma', spot({ s: 'BTC,USDT' }), 's'],
    ['symbol as a number', spot({ s: 5 }), 's'],
    ['missing symbol', spot({ s: undefined }), 's'],
    ['T negative', spot({ T: -1 }), 'T'],
    ['T a string', spot({ T: '1718000000122' }), 'T'],
    ['event type not a string', spot({ e: 5 }), 'e'],
    ['event type null', spot({ e: null }), 'e'],
    ['futures type null', spot({ X: null }), 'X'],
    ['futures type a number', spot({ X: 1 }), 'X'],
    ['combined frame with a non-string stream', JSON.stringify({ stream: 5, data: SPOT }), 'stream'],
    ['combined frame with a string as data', JSON.stringify({ stream: 'btcusdt@trade', data: 'x' }), 'data'],
    [
      'combined frame with an array as data',
      JSON.stringify({ stream: 'btcusdt@trade', data: [SPOT] }),
      'data',
    ],
    ['combined frame without data', '{"stream":"btcusdt@trade"}', 'data'],
    ['combined frame without stream', JSON.stringify({ data: SPOT }), 'stream'],
    ['combined frame with a bad payload', combined('btcusdt@trade', { ...SPOT, q: '-2' }), 'q'],
    ['aggTrade with last id below first', agg({ f: 10, l: 9 }), 'l'],
    ['aggTrade with only f = -1', agg({ f: -1, l: 5 }), 'f'],
    ['aggTrade with only l = -1', agg({ f: 5, l: -1 }), 'l'],
    ['aggTrade with f as a string', agg({ f: '5' }), 'f'],
    ['aggTrade with p "0"', agg({ p: '0' }), 'p'],
    ['serverShutdown without E', '{"e":"serverShutdown"}', 'E'],
    ['serverShutdown with E negative', '{"e":"serverShutdown","E":-5}', 'E'],
    ['a frame with neither event type nor id', '{"foo":1.5}', 'e'],
  ];

  it.each(cases)('rejects %s, naming the field', (_name, text, field) => {
    const err = errorOf(text);
    expect(err.field).toBe(field);
    expect(err.code).toBe('BAD_RECORD');
    expect(err).toBeInstanceOf(CoreError);
    // Whatever the scanner does with the compact text, JSON.parse must agree on the spaced one.
    if (field !== 'frame') expect(errorOf(spaced(text)).field).toBe(field);
  });

  it('reports the offending value and a reason', () => {
    const negative = errorOf(spot({ p: '-1' }));
    expect(negative.value).toBe('"-1"');
    expect(negative.message).toMatch(/negative/);
    const zero = errorOf(spot({ p: '0' }));
    expect(zero.value).toBe('"0"');
    expect(zero.message).toMatch(/not positive/);
    expect(errorOf(spot({ p: 61837.63 })).value).toBe('61837.63');
    expect(errorOf(spot({ p: undefined })).value).toBe('(missing)');
    expect(errorOf(spot({ t: -1 })).value).toBe('-1');
    expect(errorOf(spot({ m: 'true' })).value).toBe('"true"');
    expect(errorOf(spot({ s: 'btcusdt' })).value).toBe('"btcusdt"');
  });

  it('rejects an empty symbol once another symbol has been seen', () => {
    parseFrame(SPOT_TEXT);
    expect(errorOf(spot({ s: '' })).field).toBe('s');
    expect(errorOf(spot({ s: 'A'.repeat(65) })).field).toBe('s');
  });

  it('validates fields in a fixed order, whatever the order of the keys', () => {
    const bad = { ...SPOT, s: 'btc', p: '-1', m: 'x' };
    expect(errorOf(JSON.stringify(bad)).field).toBe('s');
    const reversed = Object.fromEntries(Object.entries(bad).reverse());
    expect(errorOf(JSON.stringify(reversed)).field).toBe('s');
  });
});

// ---- corner cases where the scanner must agree with JSON.parse ---------------------------------

describe('parseFrame: scanner corner cases agree with JSON.parse', () => {
  it('rejects "{}" and {"foo":1} with an error on field e, not as control events', () => {
    // The scanner's reusable slots always have an `id` property, so presence must not decide.
    expect(errorOf('{ }').field).toBe('e');
    expect(errorOf('{"foo":1.5}').field).toBe('e');
    expect(outcome('{}')).toStrictEqual(outcome('{ }'));
    expect(outcome('{"foo":1}')).toStrictEqual(outcome('{"foo":1.5}'));
    expect(outcome('{"stream":"x","data":{}}')).toStrictEqual(outcome('{"stream":"x","data":{ }}'));
  });

  it('keeps the sign of a negative integer of 16+ digits (t:-1000000000000000)', () => {
    // scanInteger negates a value it already parsed with Number(…) including the sign.
    const text = spot({ t: -1000000000000000 });
    expect(outcome(text)).toStrictEqual(outcome(spaced(text)));
    expect(errorOf(text).field).toBe('t');
  });

  it('keeps only the last of two top-level "data" objects, as JSON.parse does', () => {
    const text = `{"stream":"btcusdt@trade","data":${SPOT_TEXT},"data":{"e":"trade"}}`;
    // JSON.parse keeps only {"e":"trade"}, which has no symbol.
    expect(errorOf(spaced(text)).field).toBe('s');
    expect(outcome(text)).toStrictEqual(outcome(spaced(text)));
  });

  it('rejects invalid JSON whose one-character key is a lone backslash', () => {
    const text = `{"\\":1,${SPOT_TEXT.slice(1)}`; // {"\":1,"e":"trade",…} is not JSON
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(errorOf(text).field).toBe('frame');
  });

  it('rejects a raw control character inside an unknown key', () => {
    const text = `{"a\tb":1,${SPOT_TEXT.slice(1)}`; // an unescaped tab in a string is not JSON
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(errorOf(text).field).toBe('frame');
  });

  it('rejects a raw control character in the stream name of a combined trade frame', () => {
    // The stream name of the exact-layout fast path is cut at the next quote, checking only for
    // backslashes; an unescaped tab is not JSON, and the general scanner would leave it to JSON.parse.
    const text = `{"stream":"btcusdt\t@trade","data":${SPOT_TEXT}}`;
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(errorOf(text).field).toBe('frame');
  });

  it('rejects an empty symbol even before any symbol has been seen', async () => {
    vi.resetModules();
    const fresh = await import('../../../core/parse/frame.js');
    let field: string | undefined;
    try {
      fresh.parseFrame(spot({ s: '' }));
    } catch (err) {
      field = (err as TradeParseError).field;
    }
    expect(field).toBe('s');
  });
});

// ---- duplicate keys ----------------------------------------------------------------------------

describe('parseFrame: duplicate keys behave like JSON.parse (last one wins)', () => {
  const withDuplicate = (key: string, value: string) => `${SPOT_TEXT.slice(0, -1)},"${key}":${value}}`;

  it.each([
    ['p', '"2.00000000"'],
    ['p', '"-2"'],
    ['s', '"ETHUSDT"'],
    ['s', '"ethusdt"'],
    ['t', '7'],
    ['t', '-7'],
    ['m', 'false'],
    ['m', '"false"'],
    ['e', '"kline"'],
    ['e', '"aggTrade"'],
    ['X', '"ADL"'],
    ['T', '1718000000555123'],
  ])('duplicate %s = %s', (key, value) => {
    const text = withDuplicate(key, value);
    const reference = JSON.parse(text) as Record<string, unknown>;
    expect(reference[key]).toStrictEqual(JSON.parse(value));
    const expected = outcome(JSON.stringify(reference));
    expect(outcome(text)).toStrictEqual(expected);
    expect(outcome(spaced(text))).toStrictEqual(expected);
  });

  it('lets a later valid value replace an earlier invalid one', () => {
    const text = `{"t":-1,"p":"bad",${SPOT_TEXT.slice(1)}`;
    expect(parseFrame(text)).toStrictEqual({ kind: 'trade', trade: SPOT_TRADE, stream: undefined });
    expect(parseFrame(spaced(text))).toStrictEqual({ kind: 'trade', trade: SPOT_TRADE, stream: undefined });
  });

  it('keeps the last stream name of a combined frame', () => {
    const text = `{"stream":"first","data":${SPOT_TEXT},"stream":"second"}`;
    expect(parseFrame(text)).toStrictEqual({ kind: 'trade', trade: SPOT_TRADE, stream: 'second' });
    expect(parseFrame(spaced(text))).toStrictEqual({ kind: 'trade', trade: SPOT_TRADE, stream: 'second' });
  });

  it('keeps the last id of a control response', () => {
    const text = '{"result":null,"id":1,"id":2}';
    expect(parseFrame(text)).toStrictEqual(parseFrame(spaced(text)));
    expect(parseFrame(text)).toMatchObject({ kind: 'control', id: 2 });
  });
});

// ---- the scanner against its JSON.parse fallback -----------------------------------------------

/** Field names parseFrame reads anywhere; extra keys must avoid them or they would change the meaning. */
const KNOWN = new Set([
  'e',
  'E',
  's',
  't',
  'p',
  'q',
  'T',
  'm',
  'M',
  'X',
  'a',
  'b',
  'f',
  'l',
  'stream',
  'data',
  'result',
  'id',
  'error',
]);

interface Member {
  readonly key: string;
  /** The value's JSON text. */
  readonly text: string;
}

interface FrameModel {
  readonly payload: Record<string, unknown>;
  /** Set for a combined-stream frame. */
  readonly stream: string | undefined;
  readonly extras: readonly (readonly [string, unknown])[];
  readonly extrasOnEnvelope: boolean;
  readonly order: readonly number[];
  readonly gaps: readonly string[];
  readonly escapeAt: number;
}

interface Spelling {
  readonly shuffle?: boolean;
  readonly gaps?: boolean;
  readonly escape?: boolean;
  readonly extras?: boolean;
}

/** A JSON string literal for `value` with the character at `at` (mod length) written as \uXXXX. */
function escapedLiteral(value: string, at: number): string {
  const i = at % value.length;
  const hex = value.charCodeAt(i).toString(16).padStart(4, '0');
  const before = JSON.stringify(value.slice(0, i)).slice(0, -1);
  const after = JSON.stringify(value.slice(i + 1)).slice(1);
  return `${before}\\u${hex}${after}`;
}

function writeObject(members: readonly Member[], gap: () => string): string {
  if (members.length === 0) return `{${gap()}}`;
  const body = members.map((m) => `${JSON.stringify(m.key)}${gap()}:${gap()}${m.text}${gap()}`);
  return `{${gap()}${body.join(`,${gap()}`)}}`;
}

function render(model: FrameModel, spelling: Spelling): string {
  let g = 0;
  const gap = spelling.gaps ? () => model.gaps[g++ % model.gaps.length]! : () => '';
  let k = 0;
  const arrange = (members: Member[]): Member[] => {
    if (!spelling.shuffle) return members;
    const keyed = members.map((m, i) => ({ m, rank: model.order[k++ % model.order.length]! * 64 + i }));
    return keyed.sort((x, y) => x.rank - y.rank).map((x) => x.m);
  };
  const extras: Member[] = spelling.extras
    ? model.extras.map(([key, value]) => ({ key, text: JSON.stringify(value) }))
    : [];

  let escaped = !spelling.escape;
  const payload: Member[] = [];
  for (const [key, value] of Object.entries(model.payload)) {
    if (value === undefined) continue;
    // In a raw frame there is no stream name, so escape a character of the symbol or event type.
    if (!escaped && model.stream === undefined && typeof value === 'string' && value !== '') {
      payload.push({ key, text: escapedLiteral(value, model.escapeAt) });
      escaped = true;
    } else payload.push({ key, text: JSON.stringify(value) });
  }
  const onEnvelope = model.stream !== undefined && model.extrasOnEnvelope;
  const data = writeObject(arrange(onEnvelope ? payload : [...payload, ...extras]), gap);
  let text = data;
  if (model.stream !== undefined) {
    const streamText =
      spelling.escape && model.stream !== ''
        ? escapedLiteral(model.stream, model.escapeAt)
        : JSON.stringify(model.stream);
    const envelope: Member[] = [
      { key: 'stream', text: streamText },
      { key: 'data', text: data },
      ...(onEnvelope ? extras : []),
    ];
    text = writeObject(arrange(envelope), gap);
  }
  return spelling.gaps ? `${gap()}${text}${gap()}` : text;
}

/** JSON.stringify of the frame model, without any of the extra spellings. */
function stringify(model: FrameModel): string {
  const payload = Object.fromEntries(Object.entries(model.payload).filter(([, v]) => v !== undefined));
  return JSON.stringify(model.stream === undefined ? payload : { stream: model.stream, data: payload });
}

const MAX = Number.MAX_SAFE_INTEGER;

function mostly<T>(good: fc.Arbitrary<T>, ...bad: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: good, weight: 10 }, ...bad.map((arbitrary) => ({ arbitrary, weight: 1 })));
}

/** Any finite double, large negative integers included. */
const someDouble = fc.double({ noNaN: true, noDefaultInfinity: true });
const smallNegative = fc.bigInt({ min: -(10n ** 15n) + 1n, max: -1n }).map(Number);
const unsafeInteger = fc.bigInt({ min: 2n ** 53n, max: 10n ** 17n }).map(Number);
const badNumber = fc.oneof(
  smallNegative,
  someDouble,
  unsafeInteger,
  fc.constantFrom(1.5, -0.5, 1e21, 1e100, -0),
  fc.string({ maxLength: 5 }),
  fc.constantFrom(null, true, false, '12'),
);
const id = mostly(fc.maxSafeNat(), badNumber);
const time = mostly(
  fc.oneof(
    fc.bigInt({ min: 1_500_000_000_000n, max: 1_900_000_000_000n }).map(Number),
    fc.bigInt({ min: 1_500_000_000_000_000n, max: 1_900_000_000_000_999n }).map(Number),
    fc.constantFrom(0, 1e14 - 1, 1e14, MAX),
  ),
  badNumber,
);
const validDecimal = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 22n }), fc.nat(3))
  .map(([units, style]) =>
    style === 0
      ? formatScaled(units, 8)
      : style === 1
        ? formatScaled(units, 8).replace(/\.?0+$/, '')
        : formatScaled(units, 8, 8 + style),
  );
const badDecimalText = fc.constantFrom(
  '0',
  '0.00000000',
  '-1',
  '-0.5',
  '+1',
  '1e5',
  '0.000000001',
  '',
  '.5',
  '1.',
  ' 1',
  'NaN',
);
const decimal = mostly(validDecimal, badDecimalText, someDouble, fc.constantFrom(null, true, 5));
const goodSymbol = fc.constantFrom(
  'BTCUSDT',
  'ETHUSDT',
  'BNBBTC',
  '1000PEPEUSDT',
  'BTCUSDT_250328',
  '币安人生USDT',
  'A\u00e9B',
);
const badSymbolText = fc.constantFrom('btcusdt', 'BTC USDT', 'BTC,USDT', 'BTC\u00a0USDT', '', 'A'.repeat(65));
const symbol = mostly(goodSymbol, badSymbolText, fc.constantFrom('BTC\tUSDT', 5, null));
const bool = mostly(fc.boolean(), fc.constantFrom('true', 'false', 1, 0, null));
const eventType = fc.oneof(
  { arbitrary: fc.constant('trade'), weight: 6 },
  { arbitrary: fc.constant('aggTrade'), weight: 4 },
  { arbitrary: fc.constant('serverShutdown'), weight: 1 },
  { arbitrary: fc.constantFrom('kline', 'depthUpdate', 'bookTicker', '', 'Trade', 5, null, true), weight: 1 },
);
const firstId = fc.oneof(
  { arbitrary: fc.maxSafeNat(), weight: 8 },
  { arbitrary: fc.constant(-1), weight: 2 },
  { arbitrary: badNumber, weight: 1 },
);
const idSpan = fc.oneof(
  { arbitrary: fc.constant(0), weight: 3 },
  { arbitrary: fc.nat(1000), weight: 3 },
  { arbitrary: fc.integer({ min: -3, max: -1 }), weight: 1 },
);
const droppable = ['E', 's', 't', 'p', 'q', 'T', 'm', 'f', 'l'] as const;

/** Mostly absent, so that many generated trades have exactly the fields Binance sends today. */
function rarely<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary, weight: 1 });
}

const payload = fc
  .record({
    e: eventType,
    E: time,
    s: symbol,
    t: id,
    p: decimal,
    q: decimal,
    T: time,
    m: bool,
    M: fc.oneof(
      { arbitrary: fc.boolean(), weight: 6 },
      { arbitrary: fc.constantFrom(undefined, null, 'x'), weight: 1 },
    ),
    X: rarely(fc.constantFrom('MARKET', 'MARKET', 'ADL', 'INSURANCE_FUND', 'NA', '', null, 3)),
    a: rarely(fc.maxSafeNat()),
    b: rarely(fc.maxSafeNat()),
    f: firstId,
    span: idSpan,
    idsOnTrade: rarely(fc.constant(true)),
    drop: fc.option(fc.constantFrom(...droppable), { nil: undefined, freq: 4 }),
  })
  .map(({ f, span, idsOnTrade, drop, ...rest }): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...rest };
    if (rest.e !== 'trade' || idsOnTrade) {
      out.f = f;
      out.l = typeof f === 'number' && Number.isSafeInteger(f) ? f + span : f;
    }
    if (drop !== undefined) delete out[drop];
    return out;
  });

/** The exact layout of a spot trade frame today, which parseFrame reads on its fastest path. */
const BINANCE_LAYOUT =
  /^(\{"stream":"[^"\\]*","data":)?\{"e":"trade","E":\d+,"s":"[^"\\]*","t":\d+,"p":"[^"\\]*","q":"[^"\\]*","T":\d+,"m":(true|false),"M":(true|false)\}\}?$/;

const extraKey = fc
  .oneof(
    fc.constantFrom('x', 'k', 'B', 'Z', 'meta', 'dat', 'streams', 'ids', '__proto__'),
    fc.string({ maxLength: 6 }),
  )
  .filter((key) => !KNOWN.has(key));
const nested = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  someDouble,
);
const extraValue = fc.oneof(nested, fc.jsonValue({ maxDepth: 3 }));

const frameModel: fc.Arbitrary<FrameModel> = fc.record({
  payload,
  stream: fc.option(
    fc.oneof(
      fc.constantFrom('btcusdt@trade', 'ethusdt@aggTrade', '!serverShutdown', 'btcusdt@trade'),
      fc.string({ maxLength: 12 }),
    ),
    { nil: undefined },
  ),
  extras: fc
    .tuple(fc.tuple(extraKey, nested), fc.array(fc.tuple(extraKey, extraValue), { maxLength: 3 }))
    .map(([first, rest]) => [first, ...rest]),
  extrasOnEnvelope: fc.boolean(),
  order: fc.array(fc.nat(1000), { minLength: 24, maxLength: 24 }),
  gaps: fc.array(fc.constantFrom(' ', '\n', '\t', '\r', '  ', '\r\n', ''), { minLength: 1, maxLength: 6 }),
  escapeAt: fc.nat(),
});

describe('parseFrame: the scanner agrees with its JSON.parse fallback', () => {
  it('gives the same event or the same error for every spelling of a frame', () => {
    const parseSpy = vi.spyOn(JSON, 'parse');
    let scanned = 0;
    let runs = 0;
    const kinds = new Map<string, number>();
    try {
      fc.assert(
        fc.property(frameModel, (model) => {
          runs++;
          const compact = stringify(model);
          const before = parseSpy.mock.calls.length;
          const expected = outcome(compact);
          if (parseSpy.mock.calls.length === before) scanned++;
          const kind = expected.ok ? expected.event.kind : `error:${expected.field}`;
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1);

          const spellings: [string, Spelling][] = [
            ['written field by field', {}],
            ['with blanks', { gaps: true }],
            ['with shuffled keys', { shuffle: true }],
            ['with an escaped character', { escape: true }],
            ['with extra keys', { extras: true }],
            ['with extra keys, shuffled', { extras: true, shuffle: true }],
            ['with everything', { extras: true, shuffle: true, gaps: true, escape: true }],
          ];
          for (const [name, spelling] of spellings) {
            const text = render(model, spelling);
            // The spellings must stand for the same JSON value, or the comparison means nothing.
            if (!spelling.extras) expect(JSON.parse(text), name).toStrictEqual(JSON.parse(compact));
            expect(outcome(text), `${name}: ${text}\nvs ${compact}`).toStrictEqual(expected);
          }
        }),
        { numRuns: 2000 },
      );
    } finally {
      parseSpy.mockRestore();
    }
    // The property is only worth something if the scanner really handled a good share of frames,
    // and if the generated frames reach every kind of outcome.
    expect(scanned).toBeGreaterThan(runs / 10);
    for (const kind of ['trade', 'ignored', 'shutdown', 'error:p', 'error:s', 'error:t', 'error:m']) {
      expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(0);
    }
  });

  it('reads frames in the exact Binance layout like any other spelling of them', () => {
    const integer = fc.oneof(
      fc.nat(),
      fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }).map(Number),
      fc.bigInt({ min: 10n ** 15n, max: BigInt(MAX) }).map(Number),
    );
    const layoutFrame = fc.record({
      E: integer,
      s: mostly(goodSymbol, badSymbolText),
      t: integer,
      p: mostly(validDecimal, badDecimalText),
      q: mostly(validDecimal, badDecimalText),
      T: fc.oneof(integer, fc.bigInt({ min: 10n ** 14n, max: 10n ** 15n - 1n }).map(Number)),
      m: fc.boolean(),
      M: fc.boolean(),
      stream: fc.option(
        fc.oneof(fc.constantFrom('btcusdt@trade', 'ethusdt@trade'), fc.string({ maxLength: 12 })),
        { nil: undefined },
      ),
      order: fc.array(fc.nat(1000), { minLength: 24, maxLength: 24 }),
      gaps: fc.array(fc.constantFrom(' ', '\n', ''), { minLength: 1, maxLength: 4 }),
      escapeAt: fc.nat(),
    });
    let layout = 0;
    let runs = 0;
    fc.assert(
      fc.property(layoutFrame, ({ stream, order, gaps, escapeAt, ...fields }) => {
        runs++;
        const model: FrameModel = {
          payload: { e: 'trade', ...fields },
          stream,
          extras: [['x', [1.5, { y: null }]]],
          extrasOnEnvelope: false,
          order,
          gaps,
          escapeAt,
        };
        const compact = stringify(model);
        if (BINANCE_LAYOUT.test(compact)) layout++;
        const expected = outcome(compact);
        for (const spelling of [{ shuffle: true }, { gaps: true }, { escape: true }, { extras: true }]) {
          expect(outcome(render(model, spelling)), JSON.stringify(spelling)).toStrictEqual(expected);
        }
      }),
      { numRuns: 2000 },
    );
    expect(layout).toBeGreaterThan(runs / 2);
  });

  it('normalizes every valid trade exactly, whatever the spelling', () => {
    const validTrade = fc.record({
      s: fc.constantFrom('BTCUSDT', 'ETHUSDT', 'BNBBTC', '1000PEPEUSDT'),
      t: fc.maxSafeNat(),
      units: fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 20n }), fc.bigInt({ min: 1n, max: 10n ** 20n })),
      T: fc.oneof(fc.nat(), fc.maxSafeNat()),
      m: fc.boolean(),
      futures: fc.boolean(),
      stream: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
      order: fc.array(fc.nat(1000), { minLength: 24, maxLength: 24 }),
      gaps: fc.array(fc.constantFrom(' ', '\n', ''), { minLength: 1, maxLength: 4 }),
      escapeAt: fc.nat(),
    });
    fc.assert(
      fc.property(validTrade, (v) => {
        const p = formatScaled(v.units[0], 8);
        const q = formatScaled(v.units[1], 8).replace(/\.?0+$/, '');
        const model: FrameModel = {
          payload: {
            e: 'trade',
            E: v.T,
            s: v.s,
            t: v.t,
            p,
            q,
            T: v.T,
            m: v.m,
            X: v.futures ? 'MARKET' : undefined,
          },
          stream: v.stream,
          extras: [['x', { nested: [1.5, { deep: true }] }]],
          extrasOnEnvelope: false,
          order: v.order,
          gaps: v.gaps,
          escapeAt: v.escapeAt,
        };
        const trade: Trade = {
          symbol: v.s,
          id: v.t,
          price: p,
          qty: q,
          time: v.T < 1e14 ? v.T : Number(BigInt(v.T) / 1000n),
          buyerIsMaker: v.m,
        };
        const expected = { kind: 'trade', trade, stream: v.stream };
        expect(parseFrame(stringify(model))).toStrictEqual(expected);
        expect(
          parseFrame(render(model, { shuffle: true, gaps: true, escape: true, extras: true })),
        ).toStrictEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
