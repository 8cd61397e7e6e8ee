/** Candles printed as Binance klines: the 12 columns of the REST response and the CSV files. */
import type { Candle } from './candle.js';
import { formatScaled, PRODUCT_SCALE, SCALE } from './decimal.js';

/** Digits Binance prints for spot kline values. */
export const KLINE_DIGITS = 8;

/**
 * `[openTime, open, high, low, close, volume, closeTime, quoteVolume, count, takerBuyBase,
 * takerBuyQuote, ignore]`. Quote volumes are exact to 16 digits inside the pipeline and truncated
 * toward zero to 8 digits here.
 */
export function klineRow(c: Candle): string[] {
  const price = (v: bigint) => formatScaled(v, SCALE, KLINE_DIGITS);
  const quote = (v: bigint) => formatScaled(v, PRODUCT_SCALE, KLINE_DIGITS);
  return [
    String(c.openTime),
    price(c.open),
    price(c.high),
    price(c.low),
    price(c.close),
    price(c.volume),
    String(c.closeTime),
    quote(c.quoteVolume),
    String(c.count),
    price(c.takerBuyBase),
    quote(c.takerBuyQuote),
    '0',
  ];
}

export function klineCsvLine(c: Candle): string {
  return klineRow(c).join(',');
}
