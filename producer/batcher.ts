/**
 * Groups accepted trades into wire batches: consecutive ids of one symbol, flushed when the next
 * trade would not be consecutive, when the body would outgrow the size limit, or when the oldest
 * trade has waited the linger. Live trades and backfilled ones batch apart, so a backfill running
 * beside a busy live stream does not cut the live batches short.
 */

import type { Trade } from '../core/trade.js';
import { ENVELOPE_OVERHEAD_BYTES, lastIdOf, tradeEntry } from '../core/wire.js';

export type Lane = 'live' | 'backfill';

/** A flushed batch, ready to be turned into a message body with core/wire.ts `batchBody`. */
export interface FlushedBatch {
  readonly symbol: string;
  readonly lane: Lane;
  readonly firstId: number;
  readonly lastId: number;
  readonly entries: readonly string[];
  /** Receive time of the earliest trade in the batch (ms). */
  readonly receivedAt: number;
}

export interface BatcherOptions {
  readonly lingerMs: number;
  /** Upper bound for the uncompressed body, envelope included. */
  readonly maxBodyBytes: number;
  readonly onBatch: (batch: FlushedBatch) => void;
}

interface Open {
  readonly symbol: string;
  readonly lane: Lane;
  readonly firstId: number;
  lastId: number;
  readonly entries: string[];
  bytes: number;
  readonly receivedAt: number;
  timer: NodeJS.Timeout;
}

export class Batcher {
  readonly #open = new Map<string, Open>();
  readonly #options: BatcherOptions;

  constructor(options: BatcherOptions) {
    if (options.maxBodyBytes < ENVELOPE_OVERHEAD_BYTES * 4)
      throw new RangeError('maxBodyBytes is too small for a batch');
    this.#options = options;
  }

  add(trade: Trade, receivedAt: number, lane: Lane): void {
    const key = lane === 'live' ? trade.symbol : `${trade.symbol}\u0000b`;
    const entry = tradeEntry(trade);
    let open = this.#open.get(key);
    if (
      open !== undefined &&
      (trade.id !== open.lastId + 1 || open.bytes + entry.length + 1 > this.#options.maxBodyBytes)
    ) {
      this.#flush(key, open);
      open = undefined;
    }
    if (open === undefined) {
      open = this.#start(key, trade, receivedAt, lane);
    }
    open.entries.push(entry);
    open.bytes += entry.length + 1;
    open.lastId = lastIdOf(trade);
  }

  /** Flushes every open batch now (shutdown, end of a replay). */
  flushAll(): void {
    for (const [key, open] of this.#open) this.#flush(key, open);
  }

  /** Trades waiting in open batches. */
  openTrades(): number {
    let n = 0;
    for (const open of this.#open.values()) n += open.entries.length;
    return n;
  }

  #start(key: string, trade: Trade, receivedAt: number, lane: Lane): Open {
    const timer = setTimeout(() => {
      const current = this.#open.get(key);
      if (current !== undefined) this.#flush(key, current);
    }, this.#options.lingerMs);
    const open: Open = {
      symbol: trade.symbol,
      lane,
      firstId: trade.id,
      lastId: trade.id - 1,
      entries: [],
      bytes: ENVELOPE_OVERHEAD_BYTES + Buffer.byteLength(trade.symbol),
      receivedAt,
      timer,
    };
    this.#open.set(key, open);
    return open;
  }

  #flush(key: string, open: Open): void {
    clearTimeout(open.timer);
    this.#open.delete(key);
    const { symbol, lane, firstId, lastId, entries, receivedAt } = open;
    this.#options.onBatch({ symbol, lane, firstId, lastId, entries, receivedAt });
  }
}
