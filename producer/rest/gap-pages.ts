/**
 * One REST page of a gap's backfill: which request to send next, and what a page proves about the gap.
 * A page fills ids, proves ids missing on the exchange side, or shows aggTrades that cannot be split at
 * the gap's edge; every id of the gap ends in exactly one of those (or is left for the next page).
 */
import type { Trade } from '../../core/trade.js';
import { MAX_AGG_WINDOW_MS } from './endpoints.js';
import type { Job, UnfilledPart } from './gap-queue.js';
import type { AggTrade } from './responses.js';
import type { BinanceRestClient } from './rest-client.js';

/**
 * The first page starts a little before the trade preceding the gap: futures aggregate fills over up to
 * 100 ms, so the aggTrade holding that trade may carry an earlier time. Aggs before the gap are skipped.
 */
const AGG_TIME_SLACK_MS = 1000;

export type BackfillRest = Pick<BinanceRestClient, 'historicalTrades' | 'aggTrades'>;

export interface PageResult {
  /** Runs of consecutive ids inside the gap, in id order. */
  chunks: Trade[][];
  /** Ids inside the gap the page proved it cannot fill. */
  parts: UnfilledPart[];
  /** The next id still to resolve. */
  next: number;
  /** True when nothing of the gap is left for a further page. */
  done: boolean;
}

/**
 * Sorts out a page of trades (or aggTrades, which span `id..lastId`) against the gap ids `next..last`.
 * Ids skipped between records are missing on the exchange side; a record reaching across `next` or
 * `last` had some fills outside the gap, and its price and quantity cannot be split between them.
 */
export function classifyPage(records: readonly Trade[], next: number, last: number): PageResult {
  const sorted = [...records].sort((x, y) => x.id - y.id);
  const out: PageResult = { chunks: [], parts: [], next, done: false };
  let run: Trade[] = [];
  const giveUp = (a: number, b: number, reason: string) => {
    if (run.length > 0) out.chunks.push(run);
    run = [];
    out.parts.push({ range: [a, b], reason });
  };
  for (const rec of sorted) {
    const a = rec.id;
    const b = rec.lastId ?? rec.id;
    if (b < out.next) continue;
    if (a > last) {
      // The exchange jumped past the gap's end: whatever of the gap is left, it does not have.
      if (out.next <= last) giveUp(out.next, last, 'not-available');
      out.next = last + 1;
      break;
    }
    if (a > out.next) giveUp(out.next, a - 1, 'not-available');
    if (a < out.next || b > last) {
      const to = Math.min(b, last);
      giveUp(Math.max(a, out.next), to, 'partial-aggtrade');
      out.next = to + 1;
    } else {
      run.push(plainTrade(rec));
      out.next = b + 1;
    }
    if (out.next > last) break;
  }
  if (run.length > 0) out.chunks.push(run);
  if (out.next > last) out.done = true;
  return out;
}

/** One historicalTrades page from the job's next id; a short page means Binance has nothing further. */
export async function historicalPage(rest: BackfillRest, job: Job, pageLimit: number): Promise<PageResult> {
  const { symbol, last } = job.gap;
  const want = Math.min(pageLimit, last - job.next + 1);
  const page = await rest.historicalTrades(symbol, job.next, want);
  const result = classifyPage(page, job.next, last);
  if (!result.done && (page.length < want || result.next === job.next)) {
    result.parts.push({ range: [result.next, last], reason: 'not-available' });
    result.done = true;
  }
  return result;
}

/**
 * One aggTrades page. The first is bounded by time (the trade before the gap to the one after it, under
 * Binance's one-hour rule); later pages continue by aggregate id, so a long gap needs no time arithmetic.
 * Only an empty page ends the search early: a short one may just be the end of the time window.
 */
export async function aggPage(rest: BackfillRest, job: Job, pageLimit: number): Promise<PageResult> {
  const { symbol, last } = job.gap;
  const page = await rest.aggTrades(symbol, aggQuery(job, pageLimit));
  const result = classifyPage(page, job.next, last);
  const from = job.aggFrom;
  const top = maxAggId(page);
  if (top !== undefined && (from === undefined || top >= from)) job.aggFrom = top + 1;
  const stalled = top === undefined || (from !== undefined && top < from);
  if (!result.done && stalled) {
    result.parts.push({ range: [result.next, last], reason: 'not-available' });
    result.done = true;
  }
  return result;
}

function aggQuery(
  job: Job,
  limit: number,
): { fromId?: number; startTime?: number; endTime?: number; limit: number } {
  if (job.aggFrom !== undefined) return { fromId: job.aggFrom, limit };
  const { afterTime, beforeTime } = job.gap;
  // The backfiller refuses such gaps ('no-time-bounds') before asking; reaching here is a bug.
  if (afterTime === undefined) throw new Error('aggTrades backfill needs the time before the gap');
  const startTime = Math.max(0, afterTime - AGG_TIME_SLACK_MS);
  const cap = startTime + MAX_AGG_WINDOW_MS;
  const endTime = beforeTime === undefined || beforeTime < afterTime ? cap : Math.min(beforeTime, cap);
  return { startTime, endTime, limit };
}

function maxAggId(page: readonly AggTrade[]): number | undefined {
  let top: number | undefined;
  for (const agg of page) if (top === undefined || agg.aggId > top) top = agg.aggId;
  return top;
}

/** Drops fields beyond Trade (the aggregate id) so consumers get the normalized record only. */
function plainTrade(rec: Trade): Trade {
  const { symbol, id, lastId, price, qty, time, buyerIsMaker } = rec;
  return lastId === undefined
    ? { symbol, id, price, qty, time, buyerIsMaker }
    : { symbol, id, lastId, price, qty, time, buyerIsMaker };
}
