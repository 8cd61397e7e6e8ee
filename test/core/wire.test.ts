import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticTrades } from '../../core/synthetic.js';
import type { Trade } from '../../core/trade.js';
import {
  batchBody,
  decodeBatch,
  ENVELOPE_OVERHEAD_BYTES,
  encodeBatch,
  lastIdOf,
  tradeEntry,
  type WireBatch,
} from '../../core/wire.js';
import { parseErrorOf } from '../support/errors.js';

function batchOf(trades: readonly Trade[]): WireBatch {
  return {
    market: 'spot',
    symbol: trades[0]!.symbol,
    firstId: trades[0]!.id,
    lastId: lastIdOf(trades.at(-1)!),
    trades,
  };
}

/** A valid two-trade body as a JSON object, for tests that break one field at a time. */
function validObject(): Record<string, unknown> & { trades: Record<string, unknown>[] } {
  return {
    v: 1,
    market: 'spot',
    symbol: 'BTCUSDT',
    firstId: 100,
    lastId: 101,
    trades: [
      { t: 100, p: '61837.63000000', q: '0.00120000', T: 1723161300000, m: true },
      { t: 101, p: '61837.64', q: '0.5', T: 1723161300001, m: false },
    ],
  };
}

function fieldOf(body: unknown): string {
  return parseErrorOf(() => decodeBatch(JSON.stringify(body)), 'decodeBatch').field;
}

describe('encodeBatch and decodeBatch', () => {
  it('round-trips a batch of synthetic trades exactly', () => {
    const trades = [...syntheticTrades(500, { seed: 7 })];
    const batch = batchOf(trades);

    const decoded = decodeBatch(encodeBatch(batch));

    expect(decoded).toEqual(batch);
    expect(decoded.trades[0]).toEqual({
      symbol: 'BTCUSDT',
      id: 3_735_683_259,
      price: trades[0]!.price,
      qty: trades[0]!.qty,
      time: trades[0]!.time,
      buyerIsMaker: trades[0]!.buyerIsMaker,
    });
  });

  it('round-trips any run of consecutive trades, spans included', () => {
    const entry = fc.record({
      span: fc.integer({ min: 0, max: 3 }),
      price: fc.integer({ min: 1, max: 10_000_000 }),
      qty: fc.integer({ min: 1, max: 5_000_000 }),
      dt: fc.integer({ min: 0, max: 2000 }),
      m: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.array(entry, { minLength: 1, maxLength: 40 }),
        (start, rows) => {
          let id = start;
          let time = 1_700_000_000_000;
          const trades: Trade[] = rows.map((r) => {
            time += r.dt;
            const t: Trade = {
              symbol: 'ETHBTC',
              id,
              ...(r.span > 0 ? { lastId: id + r.span } : {}),
              price: `${Math.floor(r.price / 100)}.${String(r.price % 100).padStart(2, '0')}`,
              qty: `0.${String(r.qty).padStart(8, '0')}`,
              time,
              buyerIsMaker: r.m,
            };
            id += r.span + 1;
            return t;
          });
          const batch = { ...batchOf(trades), market: 'usdm' as const };
          expect(decodeBatch(encodeBatch(batch))).toEqual(batch);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads an l span as one entry covering ids t..l', () => {
    const body = batchBody('spot', 'BTCUSDT', 10, 14, [
      '{"t":10,"l":12,"p":"1.5","q":"2","T":1000,"m":false}',
      '{"t":13,"p":"1.6","q":"1","T":1001,"m":true}',
      '{"t":14,"p":"1.6","q":"1","T":1001,"m":true}',
    ]);

    const batch = decodeBatch(body);

    expect(batch.trades.map((t) => [t.id, t.lastId])).toEqual([
      [10, 12],
      [13, undefined],
      [14, undefined],
    ]);
    expect('lastId' in batch.trades[1]!).toBe(false);
    expect(tradeEntry(batch.trades[0]!)).toBe('{"t":10,"l":12,"p":"1.5","q":"2","T":1000,"m":false}');
  });

  it('keeps the envelope within ENVELOPE_OVERHEAD_BYTES for the largest ids', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const body = batchBody('usdm', '', big, big, []);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(ENVELOPE_OVERHEAD_BYTES);
  });
});

describe('decodeBatch contract violations name the field', () => {
  it('refuses another version', () => {
    expect(fieldOf({ ...validObject(), v: 2 })).toBe('v');
    expect(fieldOf({ ...validObject(), v: '1' })).toBe('v');
  });

  it('refuses an unknown market', () => {
    expect(fieldOf({ ...validObject(), market: 'coinm' })).toBe('market');
  });

  it('refuses a lower-case or missing symbol', () => {
    expect(fieldOf({ ...validObject(), symbol: 'btcusdt' })).toBe('symbol');
    const { symbol: _, ...noSymbol } = validObject();
    expect(fieldOf(noSymbol)).toBe('symbol');
  });

  it('refuses ids that are not consecutive', () => {
    const o = validObject();
    o.trades[1]!.t = 102;
    o.lastId = 102;
    const err = parseErrorOf(() => decodeBatch(JSON.stringify(o)));
    expect(err.field).toBe('trades[1].t');
    expect(err.message).toContain('expected id 101');
  });

  it('refuses a firstId that is not the first trade id', () => {
    const err = parseErrorOf(() => decodeBatch(JSON.stringify({ ...validObject(), firstId: 99 })));
    expect(err.field).toBe('firstId');
    expect(err.message).toBe('does not match the first trade id 100: field firstId = 99');
  });

  it('refuses a lastId that is not the last trade id', () => {
    expect(fieldOf({ ...validObject(), lastId: 102 })).toBe('lastId');
    expect(fieldOf({ ...validObject(), lastId: 100 })).toBe('lastId');
  });

  it('refuses a price or quantity sent as a JSON number', () => {
    const o = validObject();
    o.trades[1]!.p = 61837.64;
    expect(fieldOf(o)).toBe('trades[1].p');
    const q = validObject();
    q.trades[0]!.q = 1;
    expect(fieldOf(q)).toBe('trades[0].q');
  });

  it('refuses a buyer-is-maker flag that is not a boolean', () => {
    const o = validObject();
    o.trades[0]!.m = 'true';
    expect(fieldOf(o)).toBe('trades[0].m');
    const n = validObject();
    n.trades[1]!.m = 0;
    expect(fieldOf(n)).toBe('trades[1].m');
  });

  it('refuses an l span that does not go past t', () => {
    const o = validObject();
    o.trades[0]!.l = 100;
    expect(fieldOf(o)).toBe('trades[0].l');
  });

  it('refuses zero, negative or over-precise decimals and fractional ids or times', () => {
    const cases: [(o: ReturnType<typeof validObject>) => void, string][] = [
      [(o) => (o.trades[0]!.p = '0'), 'trades[0].p'],
      [(o) => (o.trades[0]!.q = '-1'), 'trades[0].q'],
      [(o) => (o.trades[0]!.p = '1.123456789'), 'trades[0].p'],
      [(o) => (o.trades[1]!.T = 1.5), 'trades[1].T'],
      [(o) => (o.trades[0]!.t = 100.5), 'trades[0].t'],
      [(o) => (o.firstId = -1), 'firstId'],
    ];
    for (const [breakIt, field] of cases) {
      const o = validObject();
      breakIt(o);
      expect(fieldOf(o), field).toBe(field);
    }
  });

  it('refuses an empty trade list, a non-object and text that is not JSON', () => {
    expect(fieldOf({ ...validObject(), trades: [] })).toBe('trades');
    expect(fieldOf([validObject()])).toBe('body');
    expect(parseErrorOf(() => decodeBatch('{"v":1,')).field).toBe('body');
    const o = validObject();
    (o.trades as unknown[])[0] = 'x';
    expect(fieldOf(o)).toBe('trades[0]');
  });
});
