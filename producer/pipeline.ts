/**
 * From flushed batches to the sinks: each batch becomes one message (gzip runs on the libuv pool, so
 * several compress at once), and messages reach every sink's spool in flush order. Tracks how far
 * each symbol is safely spooled, which is what the progress file records, and tells a replay to wait
 * when too much is queued so memory stays bounded.
 */

import { toOutboundMessage } from '../clouds/message.js';
import type { OutboundMessage } from '../clouds/ports.js';
import { type IdRange, normalizeRanges, subtractRanges } from '../core/ranges.js';
import type { FlushedBatch } from './batcher.js';

export interface PipelineOptions {
  readonly gzipMinBytes: number;
  readonly sinks: readonly { submit(message: OutboundMessage): Promise<void> }[];
  /** Body bytes queued (encoding or on the way to the spools) before a replay is asked to wait. */
  readonly maxQueuedBytes: number;
  /** A batch that could not be encoded; the sinks report their own spool failures. */
  readonly onError: (batch: FlushedBatch, err: Error) => void;
}

export class Pipeline {
  readonly #o: PipelineOptions;
  #chain: Promise<void> = Promise.resolve();
  #queued = 0;
  #queuedBytes = 0;
  #resume: (() => void) | undefined;
  #pressure: Promise<void> | undefined;
  /** Per symbol: the highest live id whose batch is in every spool. */
  readonly #spooledHigh = new Map<string, number>();
  /** Per symbol: backfilled ids accepted but not yet in every spool. */
  readonly #backfillInFlight = new Map<string, IdRange[]>();

  constructor(options: PipelineOptions) {
    this.#o = options;
  }

  submit(batch: FlushedBatch): void {
    const { gzipMinBytes } = this.#o;
    const body = batch.body;
    const meta = {
      symbol: batch.symbol,
      firstId: batch.firstId,
      lastId: batch.lastId,
      trades: batch.trades,
      receivedAt: batch.receivedAt,
    };
    const message = toOutboundMessage(body, meta, { gzipMinBytes });
    if (batch.lane === 'backfill') this.#inFlight(batch.symbol, [[batch.firstId, batch.lastId]], 'add');
    this.#queued++;
    this.#queuedBytes += body.length;
    this.#chain = this.#chain.then(async () => {
      try {
        const m = await message;
        await Promise.all(this.#o.sinks.map((s) => s.submit(m)));
      } catch (err) {
        this.#o.onError(batch, err as Error);
      }
      this.#queuedBytes -= body.length;
      this.#spooled(batch);
    });
  }

  /** A promise to wait on when the queue is full (only a replay can wait), else undefined. */
  pressure(): Promise<void> | undefined {
    if (this.#queuedBytes < this.#o.maxQueuedBytes) return undefined;
    this.#pressure ??= new Promise((resolve) => {
      this.#resume = resolve;
    });
    return this.#pressure;
  }

  queued(): number {
    return this.#queued;
  }

  /** Resolves once every submitted batch is in every spool. */
  async settled(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.#chain) {
      seen = this.#chain;
      await seen;
    }
  }

  /** Progress safe to persist: ids above the spooled high are re-detected as a gap after a restart. */
  durable(symbol: string, missing: readonly IdRange[]): { high: number; missing: IdRange[] } | undefined {
    const high = this.#spooledHigh.get(symbol);
    if (high === undefined) return undefined;
    const unsafe = normalizeRanges([...missing, ...(this.#backfillInFlight.get(symbol) ?? [])]);
    return { high, missing: subtractRanges(unsafe, [[high, Number.MAX_SAFE_INTEGER]]) };
  }

  #spooled(batch: FlushedBatch): void {
    this.#queued--;
    if (batch.lane === 'live') {
      const prev = this.#spooledHigh.get(batch.symbol) ?? -1;
      if (batch.lastId > prev) this.#spooledHigh.set(batch.symbol, batch.lastId);
    } else {
      this.#inFlight(batch.symbol, [[batch.firstId, batch.lastId]], 'remove');
    }
    if (this.#resume !== undefined && this.#queuedBytes <= this.#o.maxQueuedBytes / 2) {
      const resume = this.#resume;
      this.#resume = undefined;
      this.#pressure = undefined;
      resume();
    }
  }

  #inFlight(symbol: string, ranges: IdRange[], op: 'add' | 'remove'): void {
    const current = this.#backfillInFlight.get(symbol) ?? [];
    const next = op === 'add' ? normalizeRanges([...current, ...ranges]) : subtractRanges(current, ranges);
    this.#backfillInFlight.set(symbol, next);
  }
}
