/**
 * The backfiller's FIFO of gaps. Ids are never queued twice: a new gap loses the ids that a queued or
 * running gap of the same symbol already covers, and what is left merges into waiting gaps it overlaps
 * or touches, so each id is fetched and reported once.
 */
import { type IdRange, normalizeRanges, subtractRanges } from '../../core/ranges.js';

/** Missing trade ids `first..last` (inclusive) of one symbol, as the feed reports them. */
export interface Gap {
  readonly symbol: string;
  readonly first: number;
  readonly last: number;
  /** Trade time of id first-1, when known. */
  readonly afterTime?: number;
  /** Trade time of id last+1, when known. */
  readonly beforeTime?: number;
}

/** Ids of a gap that were not filled, and why. */
export interface UnfilledPart {
  readonly range: IdRange;
  readonly reason: string;
}

/** A gap and how far its backfill has got. */
export interface Job {
  gap: Gap;
  /** The next id not yet filled or given up. */
  next: number;
  /** aggTrades mode: the aggregate id to page from, once the first (time-bounded) page is in. */
  aggFrom?: number;
  filled: number;
  parts: UnfilledPart[];
  requests: number;
  startedAt?: number;
  /** Failed tries so far; each earns a later retry until the limit. */
  attempts: number;
  notBefore: number;
}

export function newJob(gap: Gap): Job {
  return { gap, next: gap.first, filled: 0, parts: [], requests: 0, attempts: 0, notBefore: 0 };
}

export class GapQueue {
  private jobs: Job[] = [];

  get length(): number {
    return this.jobs.length;
  }

  /** Ids not yet left to resolve in queued jobs. */
  remaining(): number {
    let n = 0;
    for (const job of this.jobs) n += job.gap.last - job.next + 1;
    return n;
  }

  /** The ids of `gap` that neither a queued job nor `running` (ranges of the same symbol) covers. */
  uncovered(gap: Gap, running: readonly IdRange[]): IdRange[] {
    const taken = [...running, ...this.jobs.filter((j) => j.gap.symbol === gap.symbol).map(rangeOf)];
    return subtractRanges([[gap.first, gap.last]], normalizeRanges(taken));
  }

  /**
   * Queues the ids of `gap` not already covered. Pieces merge into waiting (never started) jobs they
   * overlap or touch; a job already under way keeps its range, since its progress is counted against it.
   */
  add(gap: Gap, running: readonly IdRange[]): void {
    const started = this.jobs.filter((j) => j.gap.symbol === gap.symbol && j.startedAt !== undefined);
    const busy = normalizeRanges([...running, ...started.map(rangeOf)]);
    for (const [a, b] of subtractRanges([[gap.first, gap.last]], busy)) {
      let piece = trimGap(gap, a, b);
      const touching = this.jobs.filter(
        (j) =>
          j.gap.symbol === gap.symbol &&
          j.startedAt === undefined &&
          j.gap.first <= b + 1 &&
          a <= j.gap.last + 1,
      );
      const host = touching[0];
      if (host === undefined) {
        this.jobs.push(newJob(piece));
        continue;
      }
      for (const other of touching.slice(1)) piece = mergeGaps(piece, other.gap);
      this.jobs = this.jobs.filter((j) => j === host || !touching.includes(j));
      host.gap = mergeGaps(host.gap, piece);
      host.next = host.gap.first;
    }
  }

  /** Removes and returns the first job whose retry time has come. */
  takeReady(now: number): Job | undefined {
    const i = this.jobs.findIndex((j) => j.notBefore <= now);
    if (i < 0) return undefined;
    return this.jobs.splice(i, 1)[0];
  }

  /** Puts a job that failed back at the end of the line. */
  requeue(job: Job): void {
    this.jobs.push(job);
  }

  /** The earliest retry time among waiting jobs, when there are any. */
  nextAt(): number | undefined {
    let at: number | undefined;
    for (const job of this.jobs) if (at === undefined || job.notBefore < at) at = job.notBefore;
    return at;
  }

  drain(): Job[] {
    const all = this.jobs;
    this.jobs = [];
    return all;
  }
}

export function rangeOf(job: Job): IdRange {
  return [job.gap.first, job.gap.last];
}

/** Part `first..last` of a gap; the edge times stay only where the edge does. */
function trimGap(gap: Gap, first: number, last: number): Gap {
  return withTimes(
    gap.symbol,
    first,
    last,
    first === gap.first ? gap.afterTime : undefined,
    last === gap.last ? gap.beforeTime : undefined,
  );
}

/** The union of two overlapping or adjacent gaps, with the outer edges' times. */
export function mergeGaps(x: Gap, y: Gap): Gap {
  const low = x.first < y.first || (x.first === y.first && x.afterTime !== undefined) ? x : y;
  const high = x.last > y.last || (x.last === y.last && x.beforeTime !== undefined) ? x : y;
  return withTimes(x.symbol, low.first, high.last, low.afterTime, high.beforeTime);
}

function withTimes(symbol: string, first: number, last: number, after?: number, before?: number): Gap {
  return {
    symbol,
    first,
    last,
    ...(after === undefined ? {} : { afterTime: after }),
    ...(before === undefined ? {} : { beforeTime: before }),
  };
}
