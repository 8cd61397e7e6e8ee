/**
 * Capped exponential backoff with full jitter: the n-th delay (from 0) is uniform in
 * [0, min(cap, base·2ⁿ)). Full jitter spreads the reconnects of many shards that lost their
 * connections at the same moment, instead of sending them back in lockstep.
 */
import { FeedError } from './errors.js';

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

// 2^40·base overflows no double and exceeds any sane cap: stop growing the exponent there.
const MAX_EXPONENT = 40;

export class Backoff {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;
  private failures = 0;

  constructor(options: BackoffOptions) {
    const { baseMs, capMs } = options;
    if (!Number.isFinite(baseMs) || baseMs <= 0) {
      throw new FeedError('BAD_OPTIONS', `backoff baseMs must be > 0, got ${baseMs}`);
    }
    if (!Number.isFinite(capMs) || capMs < baseMs) {
      throw new FeedError('BAD_OPTIONS', `backoff capMs must be ≥ baseMs (${baseMs}), got ${capMs}`);
    }
    this.baseMs = baseMs;
    this.capMs = capMs;
    this.random = options.random ?? Math.random;
  }

  /** How many delays were handed out since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** The upper bound of the next delay, before jitter. */
  ceiling(): number {
    return Math.min(this.capMs, this.baseMs * 2 ** Math.min(this.failures, MAX_EXPONENT));
  }

  /** The delay before the next attempt, in whole milliseconds. */
  next(): number {
    const ceiling = this.ceiling();
    this.failures++;
    const r = Math.min(Math.max(this.random(), 0), 1);
    return Math.min(Math.floor(r * ceiling), Math.floor(ceiling));
  }

  reset(): void {
    this.failures = 0;
  }
}
