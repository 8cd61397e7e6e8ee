import { describe, expect, it } from 'vitest';
import {
  detectFormat,
  lineParser,
  needsSymbol,
  SOURCE_FORMATS,
  type SourceFormat,
} from '../../../core/parse/source.js';
import type { Trade } from '../../../core/trade.js';
import { parseErrorOf } from '../../support/errors.js';
import { COMBINED_TRADE, RAW_TRADE, REST_AGG_RECORD, REST_TRADE_RECORD } from '../../support/frames.js';

const RAW_AGG_TRADE =
  '{"e":"aggTrade","E":1723161254090,"s":"BTCUSDT","a":2179830154,"p":"61837.64000000",' +
  '"q":"0.25000000","f":3735683260,"l":3735683262,"T":1723161254089,"m":false,"M":true}';
const RECORDED = `1723161254087896568 ${COMBINED_TRADE}`;
const SPOT_TRADE_ROW = '3735683259,61837.63000000,0.00100000,61.83763000,1723161254087,True,True';
const SPOT_AGG_ROW = '2179830154,61837.64000000,0.25000000,3735683260,3735683262,1723161254089,False,True';
const FUTURES_TRADES_HEADER = 'id,price,qty,quote_qty,time,is_buyer_maker';
const FUTURES_TRADE_ROW = '5123456789,61800.10,0.004,247.2004,1723161254087,false';
const FUTURES_AGG_HEADER =
  'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker';
const FUTURES_AGG_ROW = '2250000000,61800.10,0.010,5123456790,5123456791,1723161254088,true';
const REST_TRADE = JSON.stringify(REST_TRADE_RECORD);
const REST_AGG_TRADE = JSON.stringify(REST_AGG_RECORD);

/** The trade in RAW_TRADE. */
const TRADE: Trade = {
  symbol: 'BTCUSDT',
  id: 3735683259,
  price: '61837.63000000',
  qty: '0.00100000',
  time: 1723161254087,
  buyerIsMaker: true,
};

/** The trade in RAW_AGG_TRADE and SPOT_AGG_ROW: one aggTrade spanning fills 3735683260-3735683262. */
const AGG_TRADE: Trade = {
  symbol: 'BTCUSDT',
  id: 3735683260,
  lastId: 3735683262,
  price: '61837.64000000',
  qty: '0.25000000',
  time: 1723161254089,
  buyerIsMaker: false,
};

describe('detectFormat', () => {
  it.each<[string, string, SourceFormat]>([
    ['a raw frame', RAW_TRADE, 'frame'],
    ['a raw aggTrade frame', RAW_AGG_TRADE, 'frame'],
    ['a combined frame', COMBINED_TRADE, 'frame'],
    ['a control frame', '{"result":null,"id":1}', 'frame'],
    ['a recorded line (ms)', `1723161254087 ${RAW_TRADE}`, 'recorded'],
    ['a recorded line (ns)', RECORDED, 'recorded'],
    ['a spot trades row', SPOT_TRADE_ROW, 'trades-csv'],
    ['a spot aggTrades row', SPOT_AGG_ROW, 'aggtrades-csv'],
    ['the futures trades header', FUTURES_TRADES_HEADER, 'trades-csv'],
    ['a futures trades row', FUTURES_TRADE_ROW, 'trades-csv'],
    ['the futures aggTrades header', FUTURES_AGG_HEADER, 'aggtrades-csv'],
    ['a futures aggTrades row', FUTURES_AGG_ROW, 'aggtrades-csv'],
    ['a historicalTrades array', `[${REST_TRADE},${REST_TRADE}]`, 'rest-trades'],
    ['the first element line of a historicalTrades array', `[${REST_TRADE},`, 'rest-trades'],
    ['an aggTrades array', `[${REST_AGG_TRADE}]`, 'rest-aggtrades'],
    ['an aggTrades array with spaces', '[{"a" : 26129, "p" : "0.01633102"}]', 'rest-aggtrades'],
    ['a CRLF-ended spot row with blanks around it', `  ${SPOT_TRADE_ROW}\r`, 'trades-csv'],
  ])('recognises %s', (_name, line, format) => {
    expect(detectFormat(line)).toBe(format);
  });

  it.each([
    ['an empty line', ''],
    ['plain words', 'hello world'],
    ['too few columns', '1,2,3'],
    ['six numeric columns without a flag', '1,2,3,4,5,6'],
    ['an HTTP status line', 'HTTP/1.1 200 OK'],
    ['a timestamp without a frame', '1723161254087'],
    ['a timestamp glued to a frame', `1723161254087${RAW_TRADE}`],
  ])('recognises nothing in %s', (_name, line) => {
    expect(detectFormat(line)).toBeUndefined();
  });
});

describe('needsSymbol', () => {
  it('is false only for the formats that name their symbol', () => {
    const needing = SOURCE_FORMATS.filter((f) => needsSymbol(f));

    expect(needing).toStrictEqual(['trades-csv', 'aggtrades-csv', 'rest-trades', 'rest-aggtrades']);
  });
});

describe('lineParser', () => {
  it('parses raw and combined trade frames', () => {
    const parse = lineParser('frame');

    expect(parse(RAW_TRADE, 1)).toStrictEqual(TRADE);
    expect(parse(COMBINED_TRADE, 2)).toStrictEqual(TRADE);
  });

  it('parses an aggTrade frame to a trade spanning its fill ids', () => {
    const parse = lineParser('frame');

    expect(parse(RAW_AGG_TRADE, 1)).toStrictEqual(AGG_TRADE);
  });

  it('returns null for a frame that carries no trade', () => {
    const parse = lineParser('frame');

    expect(parse('{"result":null,"id":1}', 1)).toBeNull();
    expect(parse('{"e":"24hrTicker","s":"BTCUSDT"}', 2)).toBeNull();
  });

  it('sets the line number on an error in a frame', () => {
    const parse = lineParser('frame');

    const bad = parseErrorOf(() => parse(RAW_TRADE.replace('"p":"61837.63000000"', '"p":"-1"'), 7));
    const notJson = parseErrorOf(() => parse('{"e":"trade",', 8));

    expect([bad.field, bad.line, bad.value]).toStrictEqual(['p', 7, '"-1"']);
    expect([notJson.field, notJson.line]).toStrictEqual(['frame', 8]);
    expect(bad.describe()).toMatch(/^line 7: .*field p = "-1"$/);
  });

  it('parses a recorded line to the trade of its frame', () => {
    const parse = lineParser('recorded');

    expect(parse(RECORDED, 1)).toStrictEqual(TRADE);
    expect(parse(`1723161254087 ${RAW_TRADE}`, 2)).toStrictEqual(TRADE);
    expect(parse('1723161254087 {"result":null,"id":3}', 3)).toBeNull();
  });

  it('sets the line number on an error in a recorded line', () => {
    const parse = lineParser('recorded');

    const noStamp = parseErrorOf(() => parse(RAW_TRADE, 4));
    const badFrame = parseErrorOf(() =>
      parse(`1723161254087 ${RAW_TRADE.replace('"t":3735683259', '"t":-5')}`, 5),
    );

    expect([noStamp.field, noStamp.line]).toStrictEqual(['timestamp', 4]);
    expect([badFrame.field, badFrame.line]).toStrictEqual(['t', 5]);
  });

  it('parses a spot trades row with the given symbol, upper-cased', () => {
    const parse = lineParser('trades-csv', 'btcusdt');

    expect(parse(SPOT_TRADE_ROW, 1)).toStrictEqual(TRADE);
  });

  it('parses futures trades with their header', () => {
    const parse = lineParser('trades-csv', 'BTCUSDT');

    const header = parse(FUTURES_TRADES_HEADER, 1);
    const row = parse(FUTURES_TRADE_ROW, 2);

    expect(header).toBeNull();
    expect(row).toStrictEqual({
      symbol: 'BTCUSDT',
      id: 5123456789,
      price: '61800.10',
      qty: '0.004',
      time: 1723161254087,
      buyerIsMaker: false,
    });
  });

  it('sets the line number on an error in a trades row', () => {
    const parse = lineParser('trades-csv', 'BTCUSDT');

    const err = parseErrorOf(() => parse(SPOT_TRADE_ROW.replace(',True,True', ',yes,True'), 12));

    expect([err.field, err.line]).toStrictEqual(['isBuyerMaker', 12]);
  });

  it('parses spot and futures aggTrades rows', () => {
    const parse = lineParser('aggtrades-csv', 'BTCUSDT');

    const spot = parse(SPOT_AGG_ROW, 1);
    const header = parse(FUTURES_AGG_HEADER, 1);
    const futures = parse(FUTURES_AGG_ROW, 2);

    expect(spot).toStrictEqual(AGG_TRADE);
    expect(header).toBeNull();
    expect(futures).toStrictEqual({
      symbol: 'BTCUSDT',
      id: 5123456790,
      lastId: 5123456791,
      price: '61800.10',
      qty: '0.010',
      time: 1723161254088,
      buyerIsMaker: true,
    });
  });

  it('sets the line number on an error in an aggTrades row', () => {
    const parse = lineParser('aggtrades-csv', 'BTCUSDT');

    const err = parseErrorOf(() => parse('1,2.5,1,10,9,1723161254089,True,True', 3));

    expect([err.field, err.line]).toStrictEqual(['lastId', 3]);
  });

  it('parses historicalTrades elements with or without the array punctuation', () => {
    const parse = lineParser('rest-trades', 'ethbtc');
    const expected: Trade = {
      symbol: 'ETHBTC',
      id: 28457,
      price: '4.00000100',
      qty: '12.00000000',
      time: 1499865549590,
      buyerIsMaker: true,
    };

    const results = [
      parse(REST_TRADE, 1),
      parse(`[${REST_TRADE},`, 1),
      parse(`  ${REST_TRADE},`, 2),
      parse(`${REST_TRADE}]`, 3),
    ];

    expect(results).toStrictEqual([expected, expected, expected, expected]);
  });

  it('parses aggTrades elements and skips audited-invalid ones', () => {
    const parse = lineParser('rest-aggtrades', 'ETHBTC');
    const invalid = '{"a":26130,"p":"0","q":"0","f":-1,"l":-1,"T":1498793709153,"m":true,"M":true}';

    const trade = parse(`${REST_AGG_TRADE},`, 1);
    const dropped = parse(invalid, 2);

    expect(trade).toStrictEqual({
      symbol: 'ETHBTC',
      id: 27781,
      price: '0.01633102',
      qty: '4.70443515',
      time: 1498793709153,
      buyerIsMaker: true,
    });
    expect(dropped).toBeNull();
  });

  it('sets the line number on a REST element that is bad or not JSON', () => {
    const trades = lineParser('rest-trades', 'ETHBTC');
    const aggs = lineParser('rest-aggtrades', 'ETHBTC');

    const badQty = parseErrorOf(() => trades(REST_TRADE.replace('"12.00000000"', '12'), 4));
    const notJson = parseErrorOf(() => trades('{"id":28457,', 5));
    const badLast = parseErrorOf(() => aggs(REST_AGG_TRADE.replace('"l":27781', '"l":27780'), 6));

    expect([badQty.field, badQty.line]).toStrictEqual(['qty', 4]);
    expect([notJson.field, notJson.line]).toStrictEqual(['record', 5]);
    expect(notJson.describe()).toMatch(/^line 5: not valid JSON/);
    expect([badLast.field, badLast.line]).toStrictEqual(['l', 6]);
  });

  it.each(['trades-csv', 'aggtrades-csv', 'rest-trades', 'rest-aggtrades'] as const)(
    'requires a symbol for %s',
    (format) => {
      const missing = parseErrorOf(() => lineParser(format));
      const empty = parseErrorOf(() => lineParser(format, ''));

      expect(missing.field).toBe('symbol');
      expect(missing.code).toBe('BAD_RECORD');
      expect(missing.message).toContain(format);
      expect(empty.field).toBe('symbol');
    },
  );

  it('refuses a symbol with a separator for CSV input', () => {
    const parse = lineParser('trades-csv', 'BTC,USDT');

    const err = parseErrorOf(() => parse(SPOT_TRADE_ROW, 1));

    expect(err.field).toBe('symbol');
  });

  it('needs no symbol for frames and recorded lines', () => {
    expect(lineParser('frame')(RAW_TRADE, 1)).toStrictEqual(TRADE);
    expect(lineParser('recorded')(RECORDED, 1)).toStrictEqual(TRADE);
  });
});
