/**
 * A sliding-window limit on connection attempts, shared by every shard of a process: Binance
 * allows 300 attempts per 5 minutes per IP, and a storm of reconnects must not get the IP banned.
 * Waiters are served in arrival order; one sleep at a time covers all of them.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { FeedError } from './errors.js';

export interface AttemptLimiterOptions {
  max: number;
  windowMs: number;
  now?: () => number;
  /** Resolves after ms, or rejects early when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** The producer's default: below Binance's 300 per 5 minutes, leaving room for restarts and tools. */
export const DEFAULT_ATTEMPT_LIMIT = { max: 250, windowMs: 5 * 60_000 } as const;

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class AttemptLimiter {
  private readonly max: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Times of the attempts granted within the window, oldest first. */
  private readonly granted: number[] = [];
  private readonly waiters: Waiter[] = [];
  private sleeping: AbortController | undefined;

  constructor(options: AttemptLimiterOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) {
      throw new FeedError('BAD_OPTIONS', `limiter max must be a positive integer, got ${options.max}`);
    }
    if (!Number.isFinite(options.windowMs) || options.windowMs <= 0) {
      throw new FeedError('BAD_OPTIONS', `limiter windowMs must be > 0, got ${options.windowMs}`);
    }
    this.max = options.max;
    this.windowMs = options.windowMs;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
  }

  /** Attempts still allowed right now. */
  available(): number {
    this.prune(this.now());
    return Math.max(0, this.max - this.granted.length - this.waiters.length);
  }

  /**
   * Resolves when one more attempt is allowed and counts it. Rejects with code ABORTED, without
   * counting, when the signal aborts first.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(aborted());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: () => this.abandon(waiter) };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  private abandon(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    waiter.reject(aborted());
    // Nobody left to wake: drop the pending sleep so no timer outlives the waiters.
    if (this.waiters.length === 0) this.sleeping?.abort();
  }

  private pump(): void {
    const now = this.now();
    this.prune(now);
    while (this.waiters.length > 0 && this.granted.length < this.max) {
      const waiter = this.waiters.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.granted.push(now);
      waiter.resolve();
    }
    if (this.waiters.length === 0 || this.sleeping !== undefined) return;
    const oldest = this.granted[0] ?? now;
    const controller = new AbortController();
    this.sleeping = controller;
    const wake = () => {
      this.sleeping = undefined;
      if (this.waiters.length > 0) this.pump();
    };
    this.sleep(Math.max(1, oldest + this.windowMs - now), controller.signal).then(wake, wake);
  }

  private prune(now: number): void {
    while (this.granted.length > 0 && this.granted[0]! <= now - this.windowMs) this.granted.shift();
  }
}

function aborted(): FeedError {
  return new FeedError('ABORTED', 'gave up waiting for a connection attempt');
}
