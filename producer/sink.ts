/**
 * One sink (SQS or Pub/Sub): every message is appended to the sink's own disk spool, sent from it,
 * and acknowledged in it once the cloud has accepted it. A failing or slow cloud only makes its spool
 * grow; the feed and the other sink go on. Failed messages are retried first, in order, so the
 * spool drains in the order it filled.
 */
import type { Logger } from 'pino';
import type { OutboundMessage, TradePublisher } from '../clouds/ports.js';
import { Backoff } from './feed/backoff.js';
import type { SinkMetrics } from './metrics.js';
import type { Spool, SpooledRecord } from './spool/spool.js';

export interface SinkOptions {
  readonly publisher: TradePublisher;
  readonly spool: Spool<OutboundMessage>;
  /** Publish calls in flight while the sink is healthy; a failing sink probes with one. */
  readonly maxInFlight: number;
  /** Cap on message bytes per call, below the cloud's own limit; default 2 MiB. */
  readonly maxBytesPerCall?: number;
  readonly logger: Logger;
  readonly metrics: SinkMetrics;
  readonly now?: () => number;
}

export interface SinkStatus {
  readonly name: string;
  readonly state: 'up' | 'retrying' | 'stopped';
  readonly pendingMessages: number;
  readonly pendingBytes: number;
  readonly droppedMessages: number;
  readonly inFlightCalls: number;
  readonly consecutiveFailures: number;
  readonly lastSuccessAt?: number;
  readonly lastError?: string;
}

type Record = SpooledRecord<OutboundMessage>;

const DEFAULT_BYTES_PER_CALL = 2 * 1024 * 1024;

export class SinkWorker {
  readonly name: string;
  readonly #o: SinkOptions;
  readonly #now: () => number;
  readonly #backoff = new Backoff({ baseMs: 200, capMs: 15_000 });
  /** Taken from the spool but not yet accepted by the cloud, oldest first. */
  #retry: Record[] = [];
  #inFlight = 0;
  #failures = 0;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #lastSuccessAt: number | undefined;
  #lastError: string | undefined;
  readonly #stopping = new AbortController();

  constructor(options: SinkOptions) {
    this.#o = options;
    this.name = options.publisher.name;
    this.#now = options.now ?? Date.now;
  }

  /** Appends a message to the spool; a message the disk budget refuses is reported with its ids. */
  async submit(message: OutboundMessage): Promise<void> {
    let reason: string;
    try {
      const result = await this.#o.spool.append(message);
      if (result.accepted) {
        this.#updateDepth();
        return;
      }
      reason = result.reason;
    } catch (err) {
      reason = `spool write failed: ${(err as Error).message}`;
    }
    this.#o.metrics.dropped(message);
    this.#o.logger.error(
      { sink: this.name, symbol: message.symbol, firstId: message.firstId, lastId: message.lastId, reason },
      'spool refused a batch: these trade ids will not reach this sink unless replayed',
    );
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Waits until everything spooled so far has been accepted, or the timeout passes; true when drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.#now() + timeoutMs;
    while (this.#now() < deadline) {
      if (this.#pending() === 0) return true;
      await sleep(Math.min(50, Math.max(1, deadline - this.#now())));
    }
    return this.#pending() === 0;
  }

  /**
   * Stops sending. Calls in flight get a short grace; what is not acknowledged by then stays in the
   * spool (a late answer is ignored) and is resent by the next run, so a cloud that hangs cannot hold
   * up a shutdown.
   */
  async stop(graceMs = 2000): Promise<void> {
    this.#running = false;
    this.#stopping.abort();
    this.#wake?.();
    await this.#loop;
    const deadline = this.#now() + graceMs;
    while (this.#inFlight > 0 && this.#now() < deadline) await sleep(10);
    await this.#o.spool.close();
  }

  status(): SinkStatus {
    const s = this.#o.spool.stats();
    return {
      name: this.name,
      state: !this.#running ? 'stopped' : this.#failures > 0 ? 'retrying' : 'up',
      pendingMessages: s.pendingRecords,
      pendingBytes: s.pendingBytes,
      droppedMessages: s.dropped,
      inFlightCalls: this.#inFlight,
      consecutiveFailures: this.#failures,
      ...(this.#lastSuccessAt === undefined ? {} : { lastSuccessAt: this.#lastSuccessAt }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  #pending(): number {
    return this.#o.spool.stats().pendingRecords;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const limit = this.#failures > 0 ? 1 : this.#o.maxInFlight;
      if (this.#inFlight >= limit) {
        await this.#waitForWake();
        continue;
      }
      const records = await this.#next();
      if (records.length === 0) {
        await Promise.race([this.#o.spool.whenAvailable(), this.#waitForWake()]);
        continue;
      }
      this.#inFlight++;
      void this.#send(records).finally(() => {
        this.#inFlight--;
        this.#wake?.();
      });
    }
  }

  #waitForWake(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
    });
  }

  /** The next call's messages: retries first, then fresh ones from the spool, within the call limits. */
  async #next(): Promise<Record[]> {
    const { maxMessagesPerCall } = this.#o.publisher.limits;
    // The cloud's limit per call can be large (Pub/Sub: 9 MiB); with calls in flight the client holds
    // all of it, so a smaller cap keeps memory bounded at almost no cost in requests.
    const maxBytesPerCall = Math.min(
      this.#o.publisher.limits.maxBytesPerCall,
      this.#o.maxBytesPerCall ?? DEFAULT_BYTES_PER_CALL,
    );
    if (this.#retry.length > 0) {
      const out: Record[] = [];
      let bytes = 0;
      while (this.#retry.length > 0 && out.length < maxMessagesPerCall) {
        const r = this.#retry[0] as Record;
        if (out.length > 0 && bytes + r.value.bytes > maxBytesPerCall) break;
        out.push(r);
        bytes += r.value.bytes;
        this.#retry.shift();
      }
      return out;
    }
    return this.#o.spool.take(maxMessagesPerCall, maxBytesPerCall);
  }

  async #send(records: Record[]): Promise<void> {
    const started = this.#now();
    let failedIndexes: Set<number>;
    try {
      const outcome = await this.#o.publisher.publish(records.map((r) => r.value));
      failedIndexes = this.#settleFailures(records, outcome.failed);
    } catch (err) {
      failedIndexes = new Set(records.map((_, i) => i));
      this.#noteFailure(err as Error, records.length);
    }
    const done = records.filter((_, i) => !failedIndexes.has(i));
    const retry = records.filter((_, i) => failedIndexes.has(i));
    if (done.length > 0) this.#accepted(done, started);
    if (retry.length > 0) await this.#scheduleRetry(retry);
    this.#updateDepth();
  }

  /** Non-retryable failures can never succeed: logged with their ids, counted, and let go. */
  #settleFailures(
    records: Record[],
    failed: readonly { index: number; retryable: boolean; error: Error }[],
  ): Set<number> {
    const retryable = new Set<number>();
    for (const f of failed) {
      const m = records[f.index]?.value;
      if (f.retryable || m === undefined) {
        retryable.add(f.index);
        continue;
      }
      this.#o.metrics.rejected(m);
      this.#o.logger.error(
        { sink: this.name, symbol: m.symbol, firstId: m.firstId, lastId: m.lastId, err: f.error.message },
        'sink rejected a batch permanently',
      );
    }
    if (retryable.size > 0) {
      const first = failed.find((f) => f.retryable);
      this.#noteFailure(first?.error ?? new Error('publish failed'), retryable.size);
    }
    return retryable;
  }

  #accepted(done: Record[], started: number): void {
    const now = this.#now();
    this.#o.spool.ack(done.map((r) => r.seq));
    this.#o.metrics.sent(
      done.map((r) => r.value),
      now - started,
      now,
    );
    if (this.#failures > 0) {
      this.#o.logger.info(
        { sink: this.name, failures: this.#failures },
        'sink recovered; resending spooled batches',
      );
    }
    this.#failures = 0;
    this.#backoff.reset();
    this.#lastSuccessAt = now;
  }

  #noteFailure(err: Error, messages: number): void {
    this.#failures++;
    this.#lastError = err.message;
    this.#o.metrics.failed(err);
    // One line per outage and then every 10th attempt: a long outage must not flood the log.
    if (this.#failures === 1 || this.#failures % 10 === 0) {
      this.#o.logger.warn(
        { sink: this.name, messages, failures: this.#failures, err: err.message },
        'sink publish failed; batches stay spooled and will be resent',
      );
    }
  }

  async #scheduleRetry(retry: Record[]): Promise<void> {
    this.#retry = [...retry, ...this.#retry].sort((a, b) => a.seq - b.seq);
    await sleep(this.#backoff.next(), this.#stopping.signal);
  }

  #updateDepth(): void {
    const s = this.#o.spool.stats();
    this.#o.metrics.depth(s.pendingRecords, s.pendingBytes);
  }
}

/** Resolves after ms, or at once when the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
