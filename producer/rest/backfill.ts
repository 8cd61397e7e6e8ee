/**
 * Fills gaps in a symbol's trade ids from REST in the background while live trades keep flowing.
 *
 * Every id of an enqueued gap is accounted for exactly once: handed to `onTrades`, or reported unfilled
 * with a reason in `onDone`. Nothing is thrown to the caller; client errors are retried a few times per
 * gap and then reported. Reasons: 'too-large', 'not-available' (Binance has no such ids),
 * 'partial-aggtrade', 'no-time-bounds', 'stopped', 'consumer-error' (onTrades threw),
 * 'rejected:<Binance code>', 'rest:<RestErrorCode>', 'error' (anything else).
 */
import pino from 'pino';
import { formatRanges, type IdRange, normalizeRanges, rangeSize } from '../../core/ranges.js';
import type { Trade } from '../../core/trade.js';
import { BinanceRejectedError, RestError } from './errors.js';
import { aggPage, type BackfillRest, historicalPage, type PageResult } from './gap-pages.js';
import { type Gap, GapQueue, type Job, rangeOf, type UnfilledPart } from './gap-queue.js';

export type { Gap, UnfilledPart } from './gap-queue.js';

export interface BackfillOutcome {
  /** Number of ids delivered to onTrades. */
  filled: number;
  unfilled: IdRange[];
  /** The distinct reasons of the unfilled ids, comma-separated; absent when all were filled. */
  reason?: string;
  /** Each unfilled range with its own reason. */
  parts: UnfilledPart[];
  durationMs: number;
  requests: number;
}

export interface BackfillOptions {
  rest: BackfillRest;
  mode: 'historicalTrades' | 'aggTrades';
  /** Larger gaps are not fetched but reported unfilled ('too-large'), e.g. after days of downtime. */
  maxGapTrades: number;
  /** Trades in id order; each call one run of consecutive ids within a gap, as pages arrive. */
  onTrades: (symbol: string, trades: Trade[]) => void;
  onDone: (gap: Gap, outcome: BackfillOutcome) => void;
  logger?: pino.Logger;
  /** Gaps fetched at once (default 1). */
  concurrency?: number;
  /** Records per request (default 1000; USDⓈ-M historicalTrades allows 500). */
  pageLimit?: number;
  /** Tries per gap after client errors before it is reported (default 3). */
  maxAttempts?: number;
  /** Wait before a gap's first retry, doubled for each further one (default 5 s, capped at 5 min). */
  retryBaseMs?: number;
  now?: () => number;
}

const RETRY_CAP_MS = 300_000;

export class Backfiller {
  private readonly queue = new GapQueue();
  private readonly active = new Set<Job>();
  private readonly log: pino.Logger;
  private readonly now: () => number;
  private idleWaiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private stopDone: Promise<void> | undefined;

  constructor(private readonly options: BackfillOptions) {
    this.log = options.logger ?? pino({ enabled: false });
    this.now = options.now ?? Date.now;
  }

  /** Queues a gap (FIFO). Ids already queued or being fetched for the symbol are not queued again. */
  enqueue(input: Gap): void {
    const gap = { ...input, symbol: input.symbol.toUpperCase() };
    if (!isValidGap(gap)) {
      this.log.error({ symbol: gap.symbol, firstId: gap.first, lastId: gap.last }, 'invalid gap ignored');
      return;
    }
    if (this.stopped || gap.last - gap.first + 1 > this.options.maxGapTrades) {
      this.refuse(gap, this.stopped ? 'stopped' : 'too-large');
      return;
    }
    this.queue.add(gap, this.running(gap.symbol));
    this.pump();
  }

  /** Gaps queued or being fetched, and the ids they still have to resolve. */
  pending(): { gaps: number; trades: number } {
    let trades = this.queue.remaining();
    for (const job of this.active) trades += job.gap.last - job.next + 1;
    return { gaps: this.queue.length + this.active.size, trades };
  }

  /** Resolves when nothing is queued and nothing is being fetched. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Lets running gaps finish their current request, then reports what is left of every gap as 'stopped'.
   * A request stuck in the client's rate-limit pause ends sooner when the client is closed.
   */
  stop(): Promise<void> {
    if (this.stopDone === undefined) {
      this.stopped = true;
      clearTimeout(this.timer);
      for (const job of this.queue.drain()) this.finish(job, 'stopped');
      this.settleIdle();
      this.stopDone = this.idle();
    }
    return this.stopDone;
  }

  /** Reports a gap not taken, leaving out ids a queued or running gap will report. */
  private refuse(gap: Gap, reason: string): void {
    const unfilled = this.queue.uncovered(gap, this.running(gap.symbol));
    if (unfilled.length === 0) return;
    this.report(
      gap,
      0,
      unfilled.map((range) => ({ range, reason })),
      0,
      0,
    );
  }

  private running(symbol: string): IdRange[] {
    return [...this.active].filter((j) => j.gap.symbol === symbol).map(rangeOf);
  }

  private pump(): void {
    if (this.stopped) return;
    const concurrency = this.options.concurrency ?? 1;
    while (this.active.size < concurrency) {
      const job = this.queue.takeReady(this.now());
      if (job === undefined) break;
      this.active.add(job);
      this.run(job)
        .catch((err: unknown) => this.log.error({ err, symbol: job.gap.symbol }, 'backfill bug'))
        .finally(() => {
          this.active.delete(job);
          this.pump();
          this.settleIdle();
        });
    }
    this.armTimer();
  }

  /** Wakes the pump when the earliest retry falls due. */
  private armTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.queue.nextAt();
    if (at === undefined || this.active.size >= (this.options.concurrency ?? 1)) return;
    this.timer = setTimeout(() => this.pump(), Math.max(0, at - this.now()));
  }

  private async run(job: Job): Promise<void> {
    if (job.startedAt === undefined) {
      job.startedAt = this.now();
      const { symbol, first, last } = job.gap;
      this.log.info({ symbol, firstId: first, lastId: last, mode: this.options.mode }, 'backfill gap start');
      const refusal = this.refusal(job);
      if (refusal !== undefined) return this.finish(job, refusal);
    }
    try {
      while (job.next <= job.gap.last && !this.stopped) await this.step(job);
    } catch (err) {
      if (!this.stopped && this.retryLater(job, err)) return;
      if (!this.stopped) return this.finish(job, reasonOf(err));
    }
    this.finish(job, 'stopped');
  }

  private refusal(job: Job): string | undefined {
    if (job.gap.last - job.gap.first + 1 > this.options.maxGapTrades) return 'too-large';
    if (this.options.mode === 'aggTrades' && job.gap.afterTime === undefined) return 'no-time-bounds';
    return undefined;
  }

  private async step(job: Job): Promise<void> {
    const limit = this.options.pageLimit ?? 1000;
    job.requests++;
    const page =
      this.options.mode === 'aggTrades'
        ? await aggPage(this.options.rest, job, limit)
        : await historicalPage(this.options.rest, job, limit);
    this.deliver(job, page);
  }

  private deliver(job: Job, page: PageResult): void {
    for (const chunk of page.chunks) {
      const first = chunk[0]!.id;
      const lastRec = chunk[chunk.length - 1]!;
      const range: IdRange = [first, lastRec.lastId ?? lastRec.id];
      try {
        this.options.onTrades(job.gap.symbol, chunk);
        job.filled += rangeSize([range]);
      } catch (err) {
        this.log.error(
          { err, symbol: job.gap.symbol, firstId: range[0], lastId: range[1] },
          'onTrades threw',
        );
        job.parts.push({ range, reason: 'consumer-error' });
      }
    }
    job.parts.push(...page.parts);
    job.next = page.done ? job.gap.last + 1 : page.next;
  }

  /** Queues the job again after a pause when the error may pass; false when it is final. */
  private retryLater(job: Job, err: unknown): boolean {
    const final =
      err instanceof RestError &&
      (err.code === 'REJECTED' || err.code === 'BAD_ARGUMENT' || err.code === 'CLOSED');
    if (final || job.attempts + 1 >= (this.options.maxAttempts ?? 3)) return false;
    job.attempts++;
    const delayMs = Math.min(RETRY_CAP_MS, (this.options.retryBaseMs ?? 5000) * 2 ** (job.attempts - 1));
    job.notBefore = this.now() + delayMs;
    const { symbol, first, last } = job.gap;
    this.log.warn(
      { err, symbol, firstId: first, lastId: last, nextId: job.next, attempt: job.attempts, delayMs },
      'backfill request failed, gap retried later',
    );
    this.queue.requeue(job);
    return true;
  }

  /** Gives up what is left of the job with `reason` and reports the whole gap. */
  private finish(job: Job, reason: string): void {
    if (job.next <= job.gap.last) job.parts.push({ range: [job.next, job.gap.last], reason });
    job.next = job.gap.last + 1;
    const durationMs = job.startedAt === undefined ? 0 : this.now() - job.startedAt;
    this.report(job.gap, job.filled, job.parts, durationMs, job.requests);
  }

  private report(
    gap: Gap,
    filled: number,
    parts: UnfilledPart[],
    durationMs: number,
    requests: number,
  ): void {
    const unfilled = normalizeRanges(parts.map((p) => p.range));
    const reasons = [...new Set(parts.map((p) => p.reason))].join(',');
    const outcome: BackfillOutcome = { filled, unfilled, parts, durationMs, requests };
    if (reasons !== '') outcome.reason = reasons;
    const fields = {
      symbol: gap.symbol,
      firstId: gap.first,
      lastId: gap.last,
      filled,
      unfilled: rangeSize(unfilled),
      unfilledRanges: formatRanges(unfilled),
      reason: outcome.reason,
      requests,
      durationMs,
    };
    if (unfilled.length === 0) this.log.info(fields, 'backfill gap done');
    else this.log.warn(fields, 'backfill gap done with unfilled ids');
    try {
      this.options.onDone(gap, outcome);
    } catch (err) {
      this.log.error({ err, symbol: gap.symbol, firstId: gap.first, lastId: gap.last }, 'onDone threw');
    }
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.active.size === 0;
  }

  private settleIdle(): void {
    if (!this.isIdle()) return;
    clearTimeout(this.timer);
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function isValidGap(gap: Gap): boolean {
  return (
    Number.isSafeInteger(gap.first) &&
    Number.isSafeInteger(gap.last) &&
    gap.first >= 0 &&
    gap.last >= gap.first
  );
}

function reasonOf(err: unknown): string {
  if (err instanceof BinanceRejectedError) return `rejected:${err.binanceCode ?? err.status}`;
  if (err instanceof RestError) return `rest:${err.code}`;
  return 'error';
}
