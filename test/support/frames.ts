/**
 * Binance inputs shared by the parse tests: one spot trade as the streams send it, and one
 * element of each REST response as the API documents it.
 */

/** Trade 3735683259 of BTCUSDT as the raw `@trade` stream sends it. */
export const RAW_TRADE =
  '{"e":"trade","E":1723161254088,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000",' +
  '"q":"0.00100000","T":1723161254087,"m":true,"M":true}';

/** {@link RAW_TRADE} as the combined stream wraps it. */
export const COMBINED_TRADE = `{"stream":"btcusdt@trade","data":${RAW_TRADE}}`;

/** An element of a `historicalTrades` response, from the Binance API documentation. */
export const REST_TRADE_RECORD = {
  id: 28457,
  price: '4.00000100',
  qty: '12.00000000',
  quoteQty: '48.000012',
  time: 1499865549590,
  isBuyerMaker: true,
  isBestMatch: true,
};

/** An element of an `aggTrades` response, from the Binance API documentation: one fill. */
export const REST_AGG_RECORD = {
  a: 26129,
  p: '0.01633102',
  q: '4.70443515',
  f: 27781,
  l: 27781,
  T: 1498793709153,
  m: true,
  M: true,
};
