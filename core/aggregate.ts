/**
 * Trades → candles for one interval, any number of symbols, in any order.
 *
 * The aggregator keeps one builder per (symbol, open time) and remembers the interval each symbol
 * last wrote to, so a time-ordered stream costs one comparison per trade to find its builder.
 */
import { CandleBuilder } from './builder.js';
import { type Candle, compareCandles } from './candle.js';
import { type Interval, intervalMs, nextOpenTime, openTimeOf } from './interval.js';
import type { Trade } from './trade.js';

interface SymbolState {
  readonly builders: Map<number, CandleBuilder>;
  current: CandleBuilder | undefined;
  currentOpen: number;
  currentNext: number;
}

export interface AggregateStats {
  /** Trade records folded into a candle. */
  added: number;
  /** Records skipped because their ids were already covered. */
  duplicates: number;
}

export class CandleAggregator {
  readonly interval: Interval;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly fixedMs: number | undefined;
  readonly stats: AggregateStats = { added: 0, duplicates: 0 };

  constructor(interval: Interval) {
    this.interval = interval;
    this.fixedMs = intervalMs(interval);
  }

  /** Adds one trade; returns false when it was a duplicate. Throws CoreError CONFLICT on a partial overlap. */
  add(trade: Trade): boolean {
    let state = this.symbols.get(trade.symbol);
    if (state === undefined) {
      state = { builders: new Map(), current: undefined, currentOpen: 0, currentNext: 0 };
      this.symbols.set(trade.symbol, state);
    }
    const t = trade.time;
    let builder = state.current;
    if (builder === undefined || t < state.currentOpen || t >= state.currentNext) {
      builder = this.builderFor(state, t);
    }
    const added = builder.add(trade);
    if (added) this.stats.added++;
    else this.stats.duplicates++;
    return added;
  }

  addAll(trades: Iterable<Trade>): void {
    for (const trade of trades) this.add(trade);
  }

  private builderFor(state: SymbolState, time: number): CandleBuilder {
    const open = openTimeOf(time, this.interval);
    let builder = state.builders.get(open);
    if (builder === undefined) {
      builder = new CandleBuilder();
      state.builders.set(open, builder);
    }
    state.current = builder;
    state.currentOpen = open;
    state.currentNext = this.fixedMs === undefined ? nextOpenTime(open, this.interval) : open + this.fixedMs;
    return builder;
  }

  /** Every candle so far, ordered by symbol then open time. */
  candles(): Candle[] {
    const out: Candle[] = [];
    for (const [symbol, state] of this.symbols) {
      for (const [open, builder] of state.builders) out.push(builder.build(symbol, this.interval, open));
    }
    return out.sort(compareCandles);
  }

  /**
   * Removes and returns the candles of `symbol` (all symbols when omitted) that open before
   * `openTime`, for streaming callers that know those intervals are finished.
   */
  drainBefore(openTime: number, symbol?: string): Candle[] {
    const out: Candle[] = [];
    for (const [sym, state] of this.symbols) {
      if (symbol !== undefined && sym !== symbol) continue;
      for (const [open, builder] of state.builders) {
        if (open >= openTime) continue;
        out.push(builder.build(sym, this.interval, open));
        state.builders.delete(open);
        if (state.current === builder) state.current = undefined;
      }
    }
    return out.sort(compareCandles);
  }
}

/** Aggregates a set of trades into candles of one interval, ordered by symbol then open time. */
export function aggregate(trades: Iterable<Trade>, interval: Interval): Candle[] {
  const agg = new CandleAggregator(interval);
  agg.addAll(trades);
  return agg.candles();
}
