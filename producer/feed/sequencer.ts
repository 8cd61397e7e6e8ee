/**
 * Trade-id bookkeeping per symbol: drops duplicates (overlapping connections during a rotation,
 * replays, backfill racing live frames) and finds gaps. Binance trade ids are consecutive per
 * symbol, so "seen" is a high-water mark plus the few ranges below it still missing.
 */
import { type IdRange, intersectRanges, rangeSize, subtractRanges } from '../../core/ranges.js';
import type { Trade } from '../../core/trade.js';

/** Missing ids `[first, last]`, with the trade times either side to bound an aggTrades query. */
export interface Gap {
  readonly symbol: string;
  readonly first: number;
  readonly last: number;
  /** Trade time of id `first - 1`, when known. */
  readonly afterTime?: number;
  /** Trade time of id `last + 1`. */
  readonly beforeTime?: number;
}

/** What the sequencer knows of one symbol; also what is persisted across restarts. */
export interface SymbolProgress {
  /** Highest id accepted. */
  readonly high: number;
  /** Ids below `high` not yet accepted (waiting for backfill). */
  readonly missing: readonly IdRange[];
}

interface Track {
  high: number;
  highTime: number | undefined;
  missing: IdRange[];
}

/**
 * `partial`: an aggTrade span of which only some ids were missing. It cannot be split exactly, so it is
 * not forwarded; the caller reports its missing ids as unfilled.
 */
export type Verdict = 'new' | 'duplicate' | 'partial';

export class Sequencer {
  readonly #tracks = new Map<string, Track>();
  readonly #onGap: (gap: Gap) => void;

  /** `restored` is the progress persisted by an earlier run: the first live trade then reveals the downtime gap. */
  constructor(onGap: (gap: Gap) => void, restored: ReadonlyMap<string, SymbolProgress> = new Map()) {
    this.#onGap = onGap;
    for (const [symbol, p] of restored) {
      this.#tracks.set(symbol, { high: p.high, highTime: undefined, missing: [...p.missing] });
    }
  }

  /** Ids still missing from a restored state, to hand to the backfill at start-up. */
  restoredGaps(): Gap[] {
    const gaps: Gap[] = [];
    for (const [symbol, t] of this.#tracks) {
      for (const [first, last] of t.missing) gaps.push({ symbol, first, last });
    }
    return gaps;
  }

  /** Accepts a trade (or an aggTrade span) and says whether any of its ids is new. */
  accept(trade: Trade): Verdict {
    const first = trade.id;
    const last = trade.lastId ?? trade.id;
    const t = this.#tracks.get(trade.symbol);
    if (t === undefined) {
      this.#tracks.set(trade.symbol, { high: last, highTime: trade.time, missing: [] });
      return 'new';
    }
    if (first > t.high) {
      if (first > t.high + 1) this.#gap(trade.symbol, t, first, trade.time);
      t.high = last;
      t.highTime = trade.time;
      return 'new';
    }
    if (last > t.high) return 'partial';
    return this.#fill(t, first, last, trade.lastId !== undefined);
  }

  /** Gives up on ids the backfill could not fetch: they are reported, and no longer waited for. */
  abandon(symbol: string, ranges: readonly IdRange[]): void {
    const t = this.#tracks.get(symbol);
    if (t !== undefined) t.missing = subtractRanges(t.missing, ranges);
  }

  progress(symbol: string): SymbolProgress | undefined {
    const t = this.#tracks.get(symbol);
    return t === undefined ? undefined : { high: t.high, missing: [...t.missing] };
  }

  symbols(): string[] {
    return [...this.#tracks.keys()];
  }

  /** Ids waiting for backfill, over all symbols. */
  missingCount(): number {
    let n = 0;
    for (const t of this.#tracks.values()) n += rangeSize(t.missing);
    return n;
  }

  #gap(symbol: string, t: Track, next: number, nextTime: number): void {
    const gap: Gap = { symbol, first: t.high + 1, last: next - 1, beforeTime: nextTime };
    t.missing.push([gap.first, gap.last]);
    this.#onGap(t.highTime === undefined ? gap : { ...gap, afterTime: t.highTime });
  }

  /** Marks [first, last] accepted where it was missing. A span must be missing as a whole. */
  #fill(t: Track, first: number, last: number, span: boolean): Verdict {
    const inside = intersectRanges(t.missing, [[first, last]]);
    const found = rangeSize(inside);
    if (found === 0) return 'duplicate';
    if (span && found !== last - first + 1) return 'partial';
    t.missing = subtractRanges(t.missing, inside);
    return 'new';
  }
}
