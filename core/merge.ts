/**
 * Merging two states of the same candle: the join of a state-based CRDT.
 *
 * A candle state is determined by the set of trade ids it covers (trades never change once printed),
 * so the merge works on coverage: equal coverage keeps one state, nested coverage keeps the larger,
 * disjoint coverage adds the two exactly. That join is idempotent, commutative and associative, and
 * any number of redeliveries in any order converge on the candle of the union of the trades.
 *
 * Coverage that overlaps only in part cannot be added without counting the shared trades twice and
 * cannot be split apart, so it is reported as a conflict for the caller to resolve from the raw
 * archive. Two states with the same coverage but different values are a conflict too: one of them
 * was built from wrong data.
 */
import { type Candle, sameCandleKey, valuesEqual } from './candle.js';
import { CoreError } from './errors.js';
import {
  containsRanges,
  type IdRange,
  intersectRanges,
  rangeSize,
  rangesEqual,
  rangesOverlap,
  unionRanges,
} from './ranges.js';

export interface CandleConflict {
  readonly kind: 'partial-overlap' | 'divergent';
  readonly symbol: string;
  readonly interval: string;
  readonly openTime: number;
  /** The ids both states cover. */
  readonly overlap: readonly IdRange[];
  readonly a: Candle;
  readonly b: Candle;
}

export type MergeResult =
  | { readonly ok: true; readonly candle: Candle }
  | { readonly ok: false; readonly conflict: CandleConflict };

/** Joins two states of one candle (same symbol, interval and open time). */
export function mergeCandles(a: Candle, b: Candle): MergeResult {
  if (!sameCandleKey(a, b)) {
    throw new CoreError(
      'CONFLICT',
      `cannot merge different candles ${a.symbol} ${a.interval} ${a.openTime} and ${b.symbol} ${b.interval} ${b.openTime}`,
    );
  }
  if (rangesEqual(a.ranges, b.ranges)) {
    return valuesEqual(a, b) ? { ok: true, candle: a } : conflict('divergent', a, b, a.ranges);
  }
  if (containsRanges(a.ranges, b.ranges)) return { ok: true, candle: a };
  if (containsRanges(b.ranges, a.ranges)) return { ok: true, candle: b };
  if (rangesOverlap(a.ranges, b.ranges)) {
    return conflict('partial-overlap', a, b, intersectRanges(a.ranges, b.ranges));
  }
  return { ok: true, candle: addDisjoint(a, b) };
}

function conflict(
  kind: CandleConflict['kind'],
  a: Candle,
  b: Candle,
  overlap: readonly IdRange[],
): MergeResult {
  return {
    ok: false,
    conflict: { kind, symbol: a.symbol, interval: a.interval, openTime: a.openTime, overlap, a, b },
  };
}

function addDisjoint(a: Candle, b: Candle): Candle {
  const first = a.firstId < b.firstId ? a : b;
  const last = a.lastId > b.lastId ? a : b;
  const ranges = unionRanges(a.ranges, b.ranges);
  return {
    symbol: a.symbol,
    interval: a.interval,
    openTime: a.openTime,
    closeTime: a.closeTime,
    open: first.open,
    high: a.high > b.high ? a.high : b.high,
    low: a.low < b.low ? a.low : b.low,
    close: last.close,
    volume: a.volume + b.volume,
    quoteVolume: a.quoteVolume + b.quoteVolume,
    takerBuyBase: a.takerBuyBase + b.takerBuyBase,
    takerBuyQuote: a.takerBuyQuote + b.takerBuyQuote,
    count: rangeSize(ranges),
    firstId: first.firstId,
    lastId: last.lastId,
    ranges,
  };
}

/**
 * Merges many states of one candle. Returns the joined candle, or the first conflict met; callers
 * that must make progress recompute the candle from the archive on a conflict.
 */
export function mergeAll(states: readonly Candle[]): MergeResult {
  if (states.length === 0) throw new CoreError('CONFLICT', 'mergeAll needs at least one candle state');
  let acc = states[0]!;
  for (let i = 1; i < states.length; i++) {
    const r = mergeCandles(acc, states[i]!);
    if (!r.ok) return r;
    acc = r.candle;
  }
  return { ok: true, candle: acc };
}
