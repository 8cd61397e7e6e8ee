/**
 * Aggregate trades as `GET /api/v3/aggTrades` serves them, kept up to date as trades are appended.
 *
 * Binance aggregates the fills of one taker order at one price. The stand-in has no orders, so it
 * groups what such fills look like: consecutive trade ids with the same price, the same maker side
 * and the same time. Agg ids count from 1 per symbol, so they never coincide with trade ids in
 * tests that start trades higher, and a client mixing the two up is caught.
 */
import { formatUnits, parseUnits, toBigInt } from '../../core/decimal.js';
import type { Trade } from '../../core/trade.js';

/** One element of the aggTrades response, field names as Binance prints them. */
export interface AggTrade {
  readonly a: number;
  readonly p: string;
  readonly q: string;
  readonly f: number;
  readonly l: number;
  readonly T: number;
  readonly m: boolean;
  readonly M: true;
}

export interface AggTradeQuery {
  readonly fromId?: number;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly limit: number;
}

interface Group {
  readonly a: number;
  readonly price: string;
  readonly first: number;
  last: number;
  qty: bigint;
  readonly time: number;
  readonly buyerIsMaker: boolean;
}

const FIRST_AGG_ID = 1;

export class AggTradeBook {
  private readonly groups: Group[] = [];

  add(t: Trade): void {
    const last = this.groups.at(-1);
    const qty = toBigInt(parseUnits(t.qty, 'qty'));
    if (
      last !== undefined &&
      last.last === t.id - 1 &&
      last.price === t.price &&
      last.buyerIsMaker === t.buyerIsMaker &&
      last.time === t.time
    ) {
      last.last = t.id;
      last.qty += qty;
      return;
    }
    const a = FIRST_AGG_ID + this.groups.length;
    this.groups.push({
      a,
      price: t.price,
      first: t.id,
      last: t.id,
      qty,
      time: t.time,
      buyerIsMaker: t.buyerIsMaker,
    });
  }

  /**
   * The bounds given all apply (inclusive). With a lower bound (fromId or startTime) the first
   * `limit` records from it; without one the most recent `limit` records up to endTime.
   */
  select(query: AggTradeQuery): AggTrade[] {
    let lo = 0;
    if (query.fromId !== undefined) lo = Math.max(lo, query.fromId - FIRST_AGG_ID);
    if (query.startTime !== undefined) lo = Math.max(lo, this.firstAtOrAfter(query.startTime));
    const hi = query.endTime === undefined ? this.groups.length : this.firstAtOrAfter(query.endTime + 1);
    const page =
      query.fromId === undefined && query.startTime === undefined
        ? pageFromEnd(lo, hi, query.limit)
        : pageFromStart(lo, hi, query.limit);
    return this.groups.slice(page.start, page.end).map(toAggTrade);
  }

  /** Index of the first group at or after `time`; groups are in time order because trades are. */
  private firstAtOrAfter(time: number): number {
    let lo = 0;
    let hi = this.groups.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.groups[mid]!.time < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The first `limit` of the index range [lo, hi). */
export function pageFromStart(lo: number, hi: number, limit: number): { start: number; end: number } {
  const start = Math.max(0, lo);
  return { start, end: Math.max(start, Math.min(hi, start + limit)) };
}

/** The last `limit` of the index range [lo, hi). */
export function pageFromEnd(lo: number, hi: number, limit: number): { start: number; end: number } {
  const end = Math.max(0, hi);
  return { start: Math.min(end, Math.max(0, lo, end - limit)), end };
}

function toAggTrade(g: Group): AggTrade {
  return {
    a: g.a,
    p: g.price,
    q: formatUnits(g.qty),
    f: g.first,
    l: g.last,
    T: g.time,
    m: g.buyerIsMaker,
    M: true,
  };
}
