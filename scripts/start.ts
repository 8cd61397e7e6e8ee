/**
 * `npm start`: the core on a realistic sample. Generates a few minutes of synthetic BTCUSDT trades,
 * delivers them the way the queues would (in batches, some twice, out of order), merges the partial
 * candles and prints the 1m klines next to the ones computed from the trades in one pass.
 */
import { aggregate } from '../core/aggregate.js';
import { type Candle, candleKey, candlesEqual } from '../core/candle.js';
import { formatScaled, PRODUCT_SCALE, SCALE } from '../core/decimal.js';
import { fillEmptyIntervals } from '../core/fill.js';
import { mergeCandles } from '../core/merge.js';
import { prng, syntheticTrades } from '../core/synthetic.js';
import type { Trade } from '../core/trade.js';

const trades: Trade[] = [...syntheticTrades(20_000, { seed: 7, meanGapMs: 40 })];
const rand = prng(11);

// Batches of 1..500 consecutive trades, a quarter of them delivered twice, in shuffled order.
const batches: Trade[][] = [];
for (let i = 0; i < trades.length; ) {
  const size = 1 + Math.floor(rand() * 500);
  batches.push(trades.slice(i, i + size));
  i += size;
}
const deliveries = batches.flatMap((b) => (rand() < 0.25 ? [b, b] : [b]));
deliveries.sort(() => rand() - 0.5);

const merged = new Map<string, Candle>();
for (const batch of deliveries) {
  for (const partial of aggregate(batch, '1m')) {
    const key = candleKey(partial);
    const prev = merged.get(key);
    const result = prev === undefined ? { ok: true as const, candle: partial } : mergeCandles(prev, partial);
    if (!result.ok) throw new Error(`unexpected conflict at ${key}`);
    merged.set(key, result.candle);
  }
}
const fromDeliveries = fillEmptyIntervals([...merged.values()]);
const onePass = fillEmptyIntervals(aggregate(trades, '1m'));

const price = (v: bigint) => formatScaled(v, SCALE, 2);
const qty = (v: bigint) => formatScaled(v, SCALE, 5);
const quote = (v: bigint) => formatScaled(v, PRODUCT_SCALE, 4);
console.log(
  `${trades.length} synthetic BTCUSDT trades in ${batches.length} batches, ${deliveries.length} deliveries (duplicated, shuffled)\n`,
);
console.log(
  'open time (UTC)       open      high      low       close       volume    quote volume  trades  taker buy',
);
for (const c of fromDeliveries) {
  const time = new Date(c.openTime).toISOString().slice(0, 19).replace('T', ' ');
  console.log(
    `${time}  ${price(c.open).padStart(8)}  ${price(c.high).padStart(8)}  ${price(c.low).padStart(8)}  ${price(c.close).padStart(8)}  ${qty(c.volume).padStart(11)}  ${quote(c.quoteVolume).padStart(14)}  ${String(c.count).padStart(6)}  ${qty(c.takerBuyBase).padStart(10)}`,
  );
}
const same =
  fromDeliveries.length === onePass.length && fromDeliveries.every((c, i) => candlesEqual(c, onePass[i]!));
console.log(`\nmerged deliveries equal the one-pass candles field for field: ${same ? 'yes' : 'NO'}`);
process.exitCode = same ? 0 : 1;
