/**
 * Deterministic synthetic trades that look like a liquid Binance spot market: consecutive ids,
 * bursts of trades at one price, a 0.01 tick random walk, 5-decimal quantities, quiet gaps.
 * Used by the demo, benchmarks and tests; seeded, so every run produces the same stream.
 */
import { formatScaled } from './decimal.js';
import type { Trade } from './trade.js';

export interface SyntheticOptions {
  readonly symbol?: string;
  readonly startId?: number;
  readonly startTime?: number;
  /** Starting price in cents (1e-2 units). */
  readonly startPriceCents?: number;
  readonly seed?: number;
  /** Mean milliseconds between trades. */
  readonly meanGapMs?: number;
}

/** A small fast PRNG (mulberry32); deterministic for a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function* syntheticTrades(count: number, options: SyntheticOptions = {}): Generator<Trade> {
  const rand = prng(options.seed ?? 1);
  const symbol = options.symbol ?? 'BTCUSDT';
  const meanGap = options.meanGapMs ?? 30;
  let id = options.startId ?? 3_735_683_259;
  let time = options.startTime ?? Date.UTC(2024, 7, 8, 23, 55);
  let cents = options.startPriceCents ?? 6_183_763;
  for (let i = 0; i < count; i++) {
    const r = rand();
    if (r < 0.3) cents += (rand() < 0.5 ? -1 : 1) * (1 + Math.floor(rand() * 8));
    // Most trades arrive in bursts at the same millisecond; now and then the market goes quiet.
    if (r > 0.55) time += Math.floor(rand() * meanGap * 2);
    if (r > 0.9995) time += 90_000;
    const qty = 1 + Math.floor(rand() ** 8 * 200_000); // in 1e-5 units: 0.00001 .. 2, mostly small
    yield {
      symbol,
      id,
      price: formatScaled(BigInt(cents), 2, 8),
      qty: formatScaled(BigInt(qty), 5, 8),
      time,
      buyerIsMaker: rand() < 0.45,
    };
    id++;
  }
}

/** A combined-stream `@trade` frame for a trade, as Binance sends it. */
export function tradeFrame(t: Trade, eventLagMs = 1): string {
  const stream = `${t.symbol.toLowerCase()}@trade`;
  return `{"stream":"${stream}","data":{"e":"trade","E":${t.time + eventLagMs},"s":"${t.symbol}","t":${t.id},"p":"${t.price}","q":"${t.qty}","T":${t.time},"m":${t.buyerIsMaker},"M":true}}`;
}
