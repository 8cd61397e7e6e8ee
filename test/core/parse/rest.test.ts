import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TradeParseError } from '../../../core/errors.js';
import {
  parseAggTradeRecord,
  parseAggTrades,
  parseHistoricalTrade,
  parseHistoricalTrades,
} from '../../../core/parse/rest.js';
import { errorSummary, parseErrorOf } from '../../support/errors.js';
import { REST_AGG_RECORD as AGG, REST_TRADE_RECORD as HISTORICAL } from '../../support/frames.js';
import { expectedBatch, printedTime, tradeRowFields } from '../../support/trade-rows.js';

const AUDITED = { a: 26130, p: '0', q: '0', f: -1, l: -1, T: 1498793709200, m: false, M: true };

describe('parseHistoricalTrades', () => {
  it('normalizes a record, keeping the decimal strings as printed', () => {
    const result = parseHistoricalTrades([HISTORICAL], 'bnbbtc');
    expect(result).toStrictEqual({
      trades: [
        {
          symbol: 'BNBBTC',
          id: 28457,
          price: '4.00000100',
          qty: '12.00000000',
          time: 1499865549590,
          buyerIsMaker: true,
        },
      ],
      errors: [],
      dropped: 0,
    });
    expect(result.trades[0]).not.toHaveProperty('lastId');
  });

  it('floors microsecond times to milliseconds', () => {
    const [trade] = parseHistoricalTrades([{ ...HISTORICAL, time: 1735689600123456 }], 'BTCUSDT').trades;
    expect(trade?.time).toBe(1735689600123);
  });

  it('reports each bad element with its field and index and keeps the good ones', () => {
    const body = [
      HISTORICAL,
      { ...HISTORICAL, id: 2, price: '-4.00000100' },
      { ...HISTORICAL, id: 3, price: '1e5' },
      { ...HISTORICAL, id: 4, qty: undefined },
      { ...HISTORICAL, id: 5, isBuyerMaker: 'true' },
      { ...HISTORICAL, id: 6, qty: '0.000000001' },
      { ...HISTORICAL, id: 7, price: 4.000001 },
      { ...HISTORICAL, id: 8, price: '0.00000000' },
      { ...HISTORICAL, id: -1 },
      { ...HISTORICAL, id: 10, time: 1.5 },
      null,
      { ...HISTORICAL, id: 12, isBuyerMaker: false },
    ];
    const result = parseHistoricalTrades(body, 'BNBBTC');
    expect(result.trades.map((t) => [t.id, t.buyerIsMaker])).toEqual([
      [28457, true],
      [12, false],
    ]);
    expect(errorSummary(result.errors)).toEqual([
      { field: 'price', line: 2 },
      { field: 'price', line: 3 },
      { field: 'qty', line: 4 },
      { field: 'isBuyerMaker', line: 5 },
      { field: 'qty', line: 6 },
      { field: 'price', line: 7 },
      { field: 'price', line: 8 },
      { field: 'id', line: 9 },
      { field: 'time', line: 10 },
      { field: 'record', line: 11 },
    ]);
    expect(result.errors[1]?.value).toBe('"1e5"');
    expect(result.errors[2]?.value).toBe('(missing)');
    expect(result.errors.every((e) => e.code === 'BAD_RECORD')).toBe(true);
    expect(result.dropped).toBe(0);
  });

  it('throws on a body that is not an array', () => {
    expect(() => parseHistoricalTrades({ code: -1121, msg: 'Invalid symbol.' }, 'X')).toThrow(
      TradeParseError,
    );
    expect(parseErrorOf(() => parseHistoricalTrades('oops', 'X')).field).toBe('body');
  });
});

describe('parseHistoricalTrade', () => {
  it('parses one record and throws without a line number on a bad one', () => {
    expect(parseHistoricalTrade(HISTORICAL, 'bnbBTC').symbol).toBe('BNBBTC');
    const err = parseErrorOf(() => parseHistoricalTrade({ ...HISTORICAL, qty: '1,5' }, 'BNBBTC'));
    expect(err.field).toBe('qty');
    expect(err.value).toBe('"1,5"');
    expect(err.line).toBeUndefined();
  });

  it('refuses an empty symbol', () => {
    expect(parseErrorOf(() => parseHistoricalTrade(HISTORICAL, '')).field).toBe('symbol');
  });
});

describe('parseAggTrades', () => {
  it('uses the first trade id, and sets lastId only for several fills', () => {
    const result = parseAggTrades([AGG, { ...AGG, a: 26131, f: 27782, l: 27785, m: false }], 'bnbbtc');
    expect(result.errors).toEqual([]);
    expect(result.trades).toStrictEqual([
      {
        symbol: 'BNBBTC',
        id: 27781,
        price: '0.01633102',
        qty: '4.70443515',
        time: 1498793709153,
        buyerIsMaker: true,
      },
      {
        symbol: 'BNBBTC',
        id: 27782,
        lastId: 27785,
        price: '0.01633102',
        qty: '4.70443515',
        time: 1498793709153,
        buyerIsMaker: false,
      },
    ]);
    expect(result.trades[0]).not.toHaveProperty('lastId');
  });

  it('drops audited-invalid records without reporting them', () => {
    const result = parseAggTrades([AGG, AUDITED, { ...AGG, a: 26131, f: 27782, l: 27782 }], 'BNBBTC');
    expect(result.trades.map((t) => t.id)).toEqual([27781, 27782]);
    expect(result.errors).toEqual([]);
    expect(result.dropped).toBe(1);
    expect(parseAggTradeRecord(AUDITED, 'BNBBTC')).toBeNull();
  });

  it('reports bad records by their JSON key and index', () => {
    const body = [
      { ...AGG, p: '-0.01633102' },
      { ...AGG, p: '1e5' },
      { ...AGG, T: undefined },
      { ...AGG, m: 0 },
      { ...AGG, q: '0.000000001' },
      { ...AGG, f: 27790, l: 27789 },
      { ...AGG, f: -1, l: -1 }, // the audit marker on a priced record is not an audited record
      { ...AGG, a: 26140, f: 27800, l: 27801 },
      { ...AGG, T: 1735689600123456 },
    ];
    const result = parseAggTrades(body, 'BNBBTC');
    expect(errorSummary(result.errors)).toEqual([
      { field: 'p', line: 1 },
      { field: 'p', line: 2 },
      { field: 'T', line: 3 },
      { field: 'm', line: 4 },
      { field: 'q', line: 5 },
      { field: 'l', line: 6 },
      { field: 'f', line: 7 },
    ]);
    expect(result.trades.map((t) => [t.id, t.lastId, t.time])).toEqual([
      [27800, 27801, 1498793709153],
      [27781, undefined, 1735689600123],
    ]);
    expect(result.dropped).toBe(0);
  });
});

const tradeArb = fc.record(tradeRowFields);

describe('REST round trip', () => {
  it('parses formatted historicalTrades and aggTrades back to the same trades', () => {
    fc.assert(
      fc.property(fc.array(tradeArb, { maxLength: 20 }), (rows) => {
        const rawTime = (r: (typeof rows)[number]) => printedTime(r, true);
        const plain = rows.map((r) => ({
          id: r.id,
          price: r.price,
          qty: r.qty,
          quoteQty: '1',
          time: rawTime(r),
          isBuyerMaker: r.buyerIsMaker,
          isBestMatch: true,
        }));
        const aggs = rows.map((r, i) => ({
          a: i,
          p: r.price,
          q: r.qty,
          f: r.id,
          l: r.id + r.span,
          T: rawTime(r),
          m: r.buyerIsMaker,
          M: true,
        }));
        expect(parseHistoricalTrades(plain, 'ethusdt')).toStrictEqual(expectedBatch(rows, false));
        expect(parseAggTrades(aggs, 'ethusdt')).toStrictEqual(expectedBatch(rows, true));
      }),
    );
  });
});
