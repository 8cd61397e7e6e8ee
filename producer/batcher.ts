/**
 * Groups accepted trades into wire batches: consecutive ids of one symbol, flushed when the next
 * trade would not be consecutive, when the body would outgrow the size limit, or when the oldest
 * trade has waited the linger. Live trades and backfilled ones batch apart, so a backfill running
 * beside a busy live stream does not cut the live batches short.
 *
 * Entries are written as bytes into one growing buffer per open batch, not kept as strings: a string
 * per trade that lives for the linger would outlive V8's young generation and fill the old one
 * with garbage at high rates.
 */
import type { Market, Trade } from '../core/trade.js';
import { BATCH_SUFFIX, batchPrefix, ENVELOPE_OVERHEAD_BYTES, lastIdOf, tradeEntry } from '../core/wire.js';

export type Lane = 'live' | 'backfill';

/** A flushed batch with its complete wire body (core/wire.ts). */
export interface FlushedBatch {
  readonly symbol: string;
  readonly lane: Lane;
  readonly firstId: number;
  readonly lastId: number;
  /** Entries in the batch. */
  readonly trades: number;
  /** The JSON body, UTF-8. */
  readonly body: Buffer;
  /** Receive time of the earliest trade in the batch (ms). */
  readonly receivedAt: number;
}

export interface BatcherOptions {
  readonly market: Market;
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
  trades: number;
  buf: Buffer;
  /** Bytes of entries written to buf. */
  length: number;
  /** What the envelope will add. */
  readonly overhead: number;
  readonly receivedAt: number;
  readonly timer: NodeJS.Timeout;
}

const FIRST_CAPACITY = 4096;
const COMMA = 0x2c;
const SUFFIX = Buffer.from(BATCH_SUFFIX);

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
      (trade.id !== open.lastId + 1 ||
        open.overhead + open.length + entry.length + 1 > this.#options.maxBodyBytes)
    ) {
      this.#flush(key, open);
      open = undefined;
    }
    open ??= this.#start(key, trade, receivedAt, lane);
    this.#write(open, entry);
    open.trades++;
    open.lastId = lastIdOf(trade);
  }

  /** Flushes every open batch now (shutdown, end of a replay). */
  flushAll(): void {
    for (const [key, open] of this.#open) this.#flush(key, open);
  }

  /** Trades waiting in open batches. */
  openTrades(): number {
    let n = 0;
    for (const open of this.#open.values()) n += open.trades;
    return n;
  }

  /** Entries are ASCII (digits, quotes, braces), so latin1 writes them byte for byte. */
  #write(open: Open, entry: string): void {
    const needed = open.length + entry.length + 1;
    if (needed > open.buf.length) {
      const grown = Buffer.allocUnsafe(
        Math.min(Math.max(needed, open.buf.length * 2), this.#options.maxBodyBytes),
      );
      open.buf.copy(grown, 0, 0, open.length);
      open.buf = grown;
    }
    if (open.trades > 0) open.buf[open.length++] = COMMA;
    open.length += open.buf.write(entry, open.length, 'latin1');
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
      trades: 0,
      buf: Buffer.allocUnsafe(Math.min(FIRST_CAPACITY, this.#options.maxBodyBytes)),
      length: 0,
      overhead: ENVELOPE_OVERHEAD_BYTES + Buffer.byteLength(trade.symbol),
      receivedAt,
      timer,
    };
    this.#open.set(key, open);
    return open;
  }

  #flush(key: string, open: Open): void {
    clearTimeout(open.timer);
    this.#open.delete(key);
    const { symbol, lane, firstId, lastId, trades, receivedAt } = open;
    const prefix = Buffer.from(batchPrefix(this.#options.market, symbol, firstId, lastId));
    const body = Buffer.concat([prefix, open.buf.subarray(0, open.length), SUFFIX]);
    this.#options.onBatch({ symbol, lane, firstId, lastId, trades, body, receivedAt });
  }
}
