import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseAggTradeCsv,
  parseAggTradeCsvLine,
  parseTradeCsv,
  parseTradeCsvLine,
} from '../../../core/parse/csv.js';
import { errorSummary, parseErrorOf } from '../../support/errors.js';
import { expectedBatch, printedTime, tradeRowFields } from '../../support/trade-rows.js';

const SPOT_ROW = '3735683259,61837.63000000,0.02000000,1236.75260000,1723161255342,True,True';
const AGG_ROW = '26129,0.01633102,4.70443515,27781,27781,1498793709153,True,True';

describe('parseTradeCsvLine', () => {
  it('normalizes a spot row, keeping the decimal strings as printed', () => {
    expect(parseTradeCsvLine(SPOT_ROW, 'btcusdt', 1)).toStrictEqual({
      symbol: 'BTCUSDT',
      id: 3735683259,
      price: '61837.63000000',
      qty: '0.02000000',
      time: 1723161255342,
      buyerIsMaker: true,
    });
  });

  it('floors microsecond times to milliseconds', () => {
    const row = '4000000000,93576.00000000,0.00007000,6.55032000,1735689600123456,False,True';
    expect(parseTradeCsvLine(row, 'BTCUSDT')?.time).toBe(1735689600123);
    expect(parseTradeCsvLine(row.replace('123456', '123999'), 'BTCUSDT')?.time).toBe(1735689600123);
  });

  it('accepts True/False and true/false', () => {
    const maker = (m: string) => parseTradeCsvLine(`1,1.5,2,3,1000,${m},True`, 'X')?.buyerIsMaker;
    expect([maker('True'), maker('False'), maker('true'), maker('false')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('treats a header as a header only on the first line', () => {
    expect(parseTradeCsvLine('id,price,qty,quote_qty,time,is_buyer_maker', 'BTCUSDT', 1)).toBeNull();
    expect(parseTradeCsvLine('id,price,qty,quote_qty,time,is_buyer_maker', 'BTCUSDT')).toBeNull();
    const err = parseErrorOf(() =>
      parseTradeCsvLine('id,price,qty,quote_qty,time,is_buyer_maker', 'BTCUSDT', 7),
    );
    expect([err.field, err.line]).toEqual(['id', 7]);
  });

  it('throws with the line number set', () => {
    const err = parseErrorOf(() => parseTradeCsvLine('1,1.5,2,3,1000,True,True,extra', 'BTCUSDT', 42));
    expect([err.field, err.line]).toEqual(['columns', 42]);
  });
});

describe('parseTradeCsv', () => {
  it('parses a futures file with a header, CRLF line ends and a final newline', () => {
    const text = 'id,price,qty,quote_qty,time,is_buyer_maker\r\n1,100.5,0.1,10.05,1700000000000,true\r\n';
    expect(parseTradeCsv(text, 'btcusdt')).toStrictEqual({
      trades: [
        { symbol: 'BTCUSDT', id: 1, price: '100.5', qty: '0.1', time: 1700000000000, buyerIsMaker: true },
      ],
      errors: [],
      dropped: 0,
    });
  });

  it('reports each bad row with its field and line and keeps the good ones', () => {
    const lines = [
      SPOT_ROW,
      '2,-61837.63000000,0.02,1,1723161255342,True,True',
      '3,1e5,0.02,1,1723161255342,True,True',
      '4,61837.63,,1,1723161255342,True,True',
      '5,61837.63,0.02,1,1723161255342,Yes,True',
      '6,61837.63,0.000000001,1,1723161255342,True,True',
      '7,61837.63,0.02,1,1723161255342,True',
      '8,61837.63,0.02,1,1723161255342',
      '9,61837.63,0.02,1,1723161255342,False,True',
      '',
      '-11,61837.63,0.02,1,1723161255342,False,True',
      '12,61837.63,0.02,1,1723161255342,False,Maybe',
    ];
    const result = parseTradeCsv(`${lines.join('\n')}\n`, 'BTCUSDT');
    expect(result.trades.map((t) => [t.id, t.buyerIsMaker])).toEqual([
      [3735683259, true],
      [7, true],
      [9, false],
    ]);
    expect(errorSummary(result.errors)).toEqual([
      { field: 'price', line: 2 },
      { field: 'price', line: 3 },
      { field: 'qty', line: 4 },
      { field: 'isBuyerMaker', line: 5 },
      { field: 'qty', line: 6 },
      { field: 'columns', line: 8 },
      { field: 'columns', line: 10 },
      { field: 'id', line: 11 },
      { field: 'isBestMatch', line: 12 },
    ]);
    expect(result.errors[1]?.value).toBe('"1e5"');
    expect(result.dropped).toBe(0);
  });

  it('returns an empty batch for empty text', () => {
    expect(parseTradeCsv('', 'BTCUSDT')).toStrictEqual({ trades: [], errors: [], dropped: 0 });
  });
});

describe('parseAggTradeCsvLine', () => {
  it('uses the first trade id, and sets lastId only for several fills', () => {
    expect(parseAggTradeCsvLine(AGG_ROW, 'bnbbtc')).toStrictEqual({
      symbol: 'BNBBTC',
      id: 27781,
      price: '0.01633102',
      qty: '4.70443515',
      time: 1498793709153,
      buyerIsMaker: true,
    });
    const spanned = parseAggTradeCsvLine(
      '26130,0.01633102,4.70443515,27782,27790,1498793709153,False,True',
      'X',
    );
    expect([spanned?.id, spanned?.lastId, spanned?.buyerIsMaker]).toEqual([27782, 27790, false]);
  });

  it('returns null for an audited-invalid record', () => {
    expect(parseAggTradeCsvLine('26131,0,0,-1,-1,1498793709153,True,True', 'BNBBTC', 3)).toBeNull();
  });
});

describe('parseAggTradeCsv', () => {
  it('skips a futures header, drops audited records and reports bad ones', () => {
    const text = [
      'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker',
      '100,27000.10,0.005,500,502,1700000000000,false',
      '101,0.00000000,0.00000000,-1,-1,1700000000001,true',
      '102,27000.10,0.005,510,509,1700000000002,false',
      '103,27000.10,0.005,-1,-1,1700000000003,false',
      '104,27000.10,0.005,511,511,1735689600123456,true',
      '105,27000.10,0.005,512,512,1700000000003',
    ].join('\r\n');
    const result = parseAggTradeCsv(text, 'btcusdt');
    expect(result.trades).toStrictEqual([
      {
        symbol: 'BTCUSDT',
        id: 500,
        lastId: 502,
        price: '27000.10',
        qty: '0.005',
        time: 1700000000000,
        buyerIsMaker: false,
      },
      {
        symbol: 'BTCUSDT',
        id: 511,
        price: '27000.10',
        qty: '0.005',
        time: 1735689600123,
        buyerIsMaker: true,
      },
    ]);
    expect(result.dropped).toBe(1);
    expect(errorSummary(result.errors)).toEqual([
      { field: 'lastId', line: 4 },
      { field: 'firstId', line: 5 },
      { field: 'columns', line: 7 },
    ]);
  });
});

const tradeArb = fc.record({
  ...tradeRowFields,
  spot: fc.boolean(),
  bool: fc.constantFrom(
    (b: boolean) => (b ? 'True' : 'False'),
    (b: boolean) => String(b),
  ),
});

type Row = typeof tradeArb extends fc.Arbitrary<infer T> ? T : never;

// Spot files print microsecond times, futures files milliseconds.
const rawTime = (r: Row) => printedTime(r, r.spot);

describe('CSV round trip', () => {
  it('parses formatted trade and aggTrade rows back to the same trades', () => {
    fc.assert(
      fc.property(fc.array(tradeArb, { maxLength: 20 }), fc.boolean(), (rows, header) => {
        const best = (r: Row) => (r.spot ? `,${r.bool(true)}` : '');
        const tradeLines = rows.map(
          (r) => `${r.id},${r.price},${r.qty},1,${rawTime(r)},${r.bool(r.buyerIsMaker)}${best(r)}`,
        );
        const aggLines = rows.map(
          (r, i) =>
            `${i},${r.price},${r.qty},${r.id},${r.id + r.span},${rawTime(r)},${r.bool(r.buyerIsMaker)}${best(r)}`,
        );
        const tradeText = [...(header ? ['id,price,qty,quote_qty,time,is_buyer_maker'] : []), ...tradeLines];
        expect(parseTradeCsv(tradeText.join('\n'), 'ethusdt')).toStrictEqual(expectedBatch(rows, false));
        expect(parseAggTradeCsv(aggLines.map((l) => `${l}\r\n`).join(''), 'ethusdt')).toStrictEqual(
          expectedBatch(rows, true),
        );
      }),
    );
  });
});
