/**
 * A digest of a window of candles, identical in every cloud that holds the same candles, so the sync
 * worker can compare a window with one value per side and only fetch the candles where they differ.
 */
import { createHash } from 'node:crypto';
import { type Candle, compareCandles } from './candle.js';
import { toRecord } from './record.js';

/** One canonical line per candle: the storage record's fields in a fixed order. */
export function canonicalLine(c: Candle): string {
  const r = toRecord(c);
  return [
    r.symbol,
    r.interval,
    r.openTime,
    r.closeTime,
    r.open,
    r.high,
    r.low,
    r.close,
    r.volume,
    r.quoteVolume,
    r.takerBuyBase,
    r.takerBuyQuote,
    r.count,
    r.firstId,
    r.lastId,
    r.ranges,
  ].join('|');
}

/** SHA-256 (hex) of the canonical lines of the candles, in key order whatever the input order. */
export function digestCandles(candles: readonly Candle[]): string {
  const hash = createHash('sha256');
  for (const c of [...candles].sort(compareCandles)) hash.update(`${canonicalLine(c)}\n`);
  return hash.digest('hex');
}
