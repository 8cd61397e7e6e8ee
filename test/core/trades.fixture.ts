/**
 * Realistic trades for tests: a seeded generator (no Math.random, so every run sees the same trades)
 * and a fast-check arbitrary of trade sets that also reaches the extreme values the bigint paths need.
 *
 * Trades look like a Binance trade stream: consecutive ids from a start id, non-decreasing times with
 * bursts and quiet gaps (some klines get no trades at all), prices on a 0.01 tick following a random
 * walk around a level, quantities with 5 decimals, about 45% of trades with the buyer as maker.
 */
import fc from 'fast-check';
import type { Trade } from '../../core/trade.js';

/** A small, fast, seeded PRNG (the mulberry32 construction) with the helpers tests need. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Shuffles in place (Fisher-Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A price in ticks of 0.01 printed the way Binance prints it: 8 fractional digits. */
export function formatTicks(ticks: number): string {
  const whole = Math.floor(ticks / 100);
  const cents = ticks % 100;
  return `${whole}.${cents.toString().padStart(2, '0')}000000`;
}

/** A quantity in steps of 0.00001 printed with 8 fractional digits. */
export function formatLots(lots: number): string {
  const whole = Math.floor(lots / 100_000);
  const frac = lots % 100_000;
  return `${whole}.${frac.toString().padStart(5, '0')}000`;
}

export interface TradeGenOptions {
  readonly seed: number;
  readonly count: number;
  readonly symbol?: string;
  readonly startId?: number;
  /** Time of the first trade, ms since the epoch. */
  readonly startTime?: number;
  /** Starting price level in ticks of 0.01. */
  readonly level?: number;
  /** Share of records that are aggTrade spans of 2..6 consecutive ids (default 0). */
  readonly spanShare?: number;
}

/**
 * A deterministic trade stream. Gaps between trades mix bursts (a few ms), busy seconds, quiet
 * minutes, idle hours and rare multi-day silences, so 2,000 trades span weeks and cross months.
 */
export function generateTrades(options: TradeGenOptions): Trade[] {
  const rng = new Rng(options.seed);
  const symbol = options.symbol ?? 'BTCUSDT';
  const spanShare = options.spanShare ?? 0;
  let id = options.startId ?? 3_500_000_000;
  let time = options.startTime ?? Date.UTC(2024, 0, 29, 22, 47, 13, 512);
  let ticks = options.level ?? 6_183_763;
  const out: Trade[] = [];
  for (let n = 0; n < options.count; n++) {
    if (n > 0) time += gap(rng);
    ticks = Math.max(1, ticks + rng.int(-3, 3));
    const lots = Math.max(1, Math.floor(10 ** (rng.next() * 6)));
    const span = rng.chance(spanShare) ? rng.int(1, 5) : 0;
    const trade: Trade = {
      symbol,
      id,
      ...(span > 0 ? { lastId: id + span } : {}),
      price: formatTicks(ticks),
      qty: formatLots(lots),
      time,
      buyerIsMaker: rng.chance(0.45),
    };
    out.push(trade);
    id += span + 1;
  }
  return out;
}

function gap(rng: Rng): number {
  const r = rng.next();
  if (r < 0.7) return rng.int(0, 40);
  if (r < 0.9) return rng.int(40, 3 * SECOND);
  if (r < 0.97) return rng.int(3 * SECOND, 90 * SECOND);
  if (r < 0.995) return rng.int(2 * MINUTE, 3 * HOUR);
  return rng.int(DAY, 10 * DAY);
}

/** Prices at the edges: the smallest tick, a price whose units exceed 2^53, and some in between. */
export const EXTREME_PRICES: readonly string[] = Object.freeze([
  '0.00000001',
  '98765432.10000000',
  '12345678.87654321',
  '1.00000000',
  '0.00001000',
]);

/** Quantities at the edges: the smallest step and quantities whose units exceed 2^53. */
export const EXTREME_QTYS: readonly string[] = Object.freeze([
  '0.00000001',
  '90000000000.00000000',
  '12345678901.23456789',
  '92233720368.54775807',
  '4503599.62737049',
]);

export interface TradeSetArbOptions {
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Symbols to interleave; each keeps its own id sequence. Default: BTCUSDT and ETHUSDT. */
  readonly symbols?: readonly string[];
  /** Include aggTrade spans (records with lastId). Default true. */
  readonly spans?: boolean;
  /** Include extreme prices and quantities. Default true. */
  readonly extremes?: boolean;
  /** 'realistic' mixes bursts with quiet gaps up to days; 'burst' keeps every gap under 40 ms. */
  readonly gaps?: 'realistic' | 'burst';
  /** Range of the first trade's time. Default 2017..2030. */
  readonly startTime?: { readonly min: number; readonly max: number };
}

interface Step {
  readonly symbol: number;
  readonly gap: number;
  readonly move: number;
  readonly lots: number;
  readonly price: string | null;
  readonly qty: string | null;
  readonly span: number;
  readonly buyerIsMaker: boolean;
}

/** Sets of trades (unique ids per symbol) built like generateTrades, shrinkable step by step. */
export function tradeSetArb(options: TradeSetArbOptions = {}): fc.Arbitrary<Trade[]> {
  const symbols = options.symbols ?? ['BTCUSDT', 'ETHUSDT'];
  const extremes = options.extremes ?? true;
  const gapArb =
    options.gaps === 'burst'
      ? fc.integer({ min: 0, max: 40 })
      : fc.oneof(
          { weight: 14, arbitrary: fc.integer({ min: 0, max: 40 }) },
          { weight: 4, arbitrary: fc.integer({ min: 40, max: 3 * SECOND }) },
          { weight: 2, arbitrary: fc.integer({ min: 3 * SECOND, max: 90 * SECOND }) },
          { weight: 1, arbitrary: fc.integer({ min: 2 * MINUTE, max: 3 * HOUR }) },
          { weight: 1, arbitrary: fc.integer({ min: DAY, max: 12 * DAY }) },
        );
  const rare = (values: readonly string[]): fc.Arbitrary<string | null> =>
    extremes
      ? fc.oneof(
          { weight: 12, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.constantFrom(...values) },
        )
      : fc.constant(null);
  const stepArb: fc.Arbitrary<Step> = fc.record({
    symbol: fc.integer({ min: 0, max: symbols.length - 1 }),
    gap: gapArb,
    move: fc.integer({ min: -3, max: 3 }),
    lots: fc.integer({ min: 0, max: 600 }).map((e) => Math.max(1, Math.floor(10 ** (e / 100)))),
    price: rare(EXTREME_PRICES),
    qty: rare(EXTREME_QTYS),
    span:
      options.spans === false
        ? fc.constant(0)
        : fc.oneof(
            { weight: 6, arbitrary: fc.constant(0) },
            { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) },
          ),
    buyerIsMaker: fc.integer({ min: 0, max: 99 }).map((x) => x < 45),
  });
  const start = options.startTime ?? { min: Date.UTC(2017, 0, 1), max: Date.UTC(2030, 0, 1) };
  return fc
    .record({
      startTime: fc.integer(start),
      startIds: fc.array(fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 2 ** 40 })), {
        minLength: symbols.length,
        maxLength: symbols.length,
      }),
      levels: fc.array(fc.integer({ min: 1, max: 10_000_000 }), {
        minLength: symbols.length,
        maxLength: symbols.length,
      }),
      steps: fc.array(stepArb, {
        minLength: options.minLength ?? 1,
        maxLength: options.maxLength ?? 60,
        size: 'medium',
      }),
    })
    .map(({ startTime, startIds, levels, steps }) => {
      const ids = [...startIds];
      const ticks = [...levels];
      let time = startTime;
      const out: Trade[] = [];
      steps.forEach((step, n) => {
        if (n > 0) time += step.gap;
        const s = step.symbol;
        ticks[s] = Math.max(1, ticks[s]! + step.move);
        const id = ids[s]!;
        out.push({
          symbol: symbols[s]!,
          id,
          ...(step.span > 0 ? { lastId: id + step.span } : {}),
          price: step.price ?? formatTicks(ticks[s]!),
          qty: step.qty ?? formatLots(step.lots),
          time,
          buyerIsMaker: step.buyerIsMaker,
        });
        ids[s] = id + step.span + 1;
      });
      return out;
    });
}
