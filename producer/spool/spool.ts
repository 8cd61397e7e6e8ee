/**
 * producer/spool: the durable queue between the producer and one sink (SQS, Pub/Sub). Every
 * outgoing message is appended, handed out by take(), and acknowledged by ack(); what is not
 * acknowledged survives a restart or a crash and is handed out again, in the original order.
 *
 * A spool directory holds segment files (segment-files.ts, framed by frame.ts), the ack state
 * (ack-state.ts, `acks.json`) and a lock file (lock.ts, `spool.lock`). This folder imports node
 * built-ins and core/ranges.ts only.
 */
import { mkdir, unlink } from 'node:fs/promises';
import { saveAckState } from './ack-state.js';
import { ioError, SpoolError } from './errors.js';
import { FRAME_HEADER_BYTES, frameHeader, MAX_PAYLOAD_BYTES } from './frame.js';
import { type SegmentState, SpoolLedger } from './ledger.js';
import { acquireLock, type SpoolLock } from './lock.js';
import {
  type ResolvedSpoolOptions,
  resolveSpoolOptions,
  type SpoolCodec,
  type SpoolOptions,
} from './options.js';
import { ReadBack } from './read-back.js';
import { recoverSpool } from './recovery.js';
import { segmentPath } from './segment-files.js';
import { SegmentReader } from './segment-reader.js';
import { SegmentWriter } from './segment-writer.js';

export { SpoolError, type SpoolErrorCode } from './errors.js';
export type { SpoolCodec, SpoolOptions } from './options.js';

export interface SpooledRecord<T> {
  readonly seq: number;
  readonly value: T;
  /** Encoded payload bytes. */
  readonly bytes: number;
}

export type AppendResult =
  | { readonly accepted: true; readonly seq: number }
  | { readonly accepted: false; readonly reason: 'disk-budget' | 'closed' };

export interface SpoolStats {
  /** Accepted and not acknowledged (handed out or not), and their payload bytes. */
  pendingRecords: number;
  pendingBytes: number;
  /** Bytes of live segment files, frames included. */
  diskBytes: number;
  /** Payload bytes of values held in memory, waiting to be handed out. */
  inMemoryBytes: number;
  segments: number;
  /** Appends refused for the disk budget. */
  dropped: number;
  /** Records lost to damage found while reading back (never counted in `dropped`). */
  corrupt: number;
  oldestPendingSeq?: number;
}

const CLOSED: AppendResult = Object.freeze({ accepted: false, reason: 'closed' });
const OVER_BUDGET: AppendResult = Object.freeze({ accepted: false, reason: 'disk-budget' });

export class Spool<T> {
  private state: 'open' | 'closing' | 'closed' = 'open';
  private readonly writer: SegmentWriter;
  private readonly reader: SegmentReader;
  private readonly readBack: ReadBack<T>;
  /** Records handed out in this process and not yet acknowledged. */
  private readonly handedOut = new Map<number, { readonly segment: SegmentState; readonly bytes: number }>();
  private waiters: (() => void)[] = [];
  private takeChain: Promise<unknown> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;
  private acksDirty = true;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: ResolvedSpoolOptions,
    private readonly codec: SpoolCodec<T>,
    private readonly lock: SpoolLock,
    private readonly ledger: SpoolLedger,
  ) {
    this.writer = new SegmentWriter(options.dir);
    this.reader = new SegmentReader(options.dir);
    this.readBack = new ReadBack({
      ledger,
      reader: this.reader,
      codec,
      dir: options.dir,
      memoryBudgetBytes: options.memoryBudgetBytes,
      warn: options.onWarning,
      released: (segment) => this.release(segment),
    });
  }

  /**
   * Opens (creating if need be) and recovers the spool in `options.dir`: every record not
   * acknowledged before, through a clean close or a crash, is handed out again in order.
   */
  static async open<T>(options: SpoolOptions, codec: SpoolCodec<T>): Promise<Spool<T>> {
    const resolved = resolveSpoolOptions(options);
    await mkdir(resolved.dir, { recursive: true }).catch((err: unknown) => {
      throw ioError(`cannot create spool directory ${resolved.dir}`, err);
    });
    const lock = await acquireLock(resolved.dir, resolved.onWarning);
    let spool: Spool<T> | undefined;
    try {
      const ledger = SpoolLedger.fromRecovered(await recoverSpool(resolved.dir, resolved.onWarning));
      const released = ledger.prepareForAppends();
      spool = new Spool(resolved, codec, lock, ledger);
      await spool.start(released);
      return spool;
    } catch (err) {
      // The open itself failed: that error is the one to report, not a failure to tidy up after it.
      await spool?.writer.close(false).catch(() => undefined);
      await lock.release();
      throw ioError(`cannot open spool in ${resolved.dir}`, err);
    }
  }

  /**
   * Appends a value; resolves once its bytes are written to the segment file (not necessarily
   * synced). Appends are written in call order. Rejects with a SpoolError ('CODEC', 'TOO_LARGE',
   * 'IO') when the value cannot be stored; after an 'IO' error every later append fails too.
   */
  async append(value: T): Promise<AppendResult> {
    if (this.state !== 'open') return CLOSED;
    const payload = this.encode(value);
    const frameBytes = FRAME_HEADER_BYTES + payload.length;
    if (!this.makeRoom(frameBytes)) {
      this.ledger.dropped++;
      return OVER_BUDGET;
    }
    const { seq, segment } = this.ledger.accept(frameBytes, payload.length);
    await this.writer.write([frameHeader(payload), payload], () => {
      this.ledger.markWritten(seq, segment, frameBytes, payload.length);
      this.readBack.written(seq, value, segment, payload.length);
      this.scheduleFlush();
      this.wakeWaiters();
    });
    return { accepted: true, seq };
  }

  /**
   * The next records in append order not yet handed out in this process: at most `maxRecords` and
   * `maxBytes` of payload, but at least one when any is available; [] when none (or once closing).
   */
  take(maxRecords: number, maxBytes: number): Promise<SpooledRecord<T>[]> {
    const run = this.takeChain.then(() => this.takeNow(maxRecords, maxBytes));
    this.takeChain = run.catch(() => undefined); // the caller of this take gets the error through `run`
    return run;
  }

  /** Resolves when take() would return something, at once if it would now, and when the spool closes. */
  whenAvailable(): Promise<void> {
    if (this.ledger.untaken > 0 || this.state !== 'open') return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Acknowledges records handed out by take() in this process, in any order. Other seqs (already
   * acknowledged, or never handed out) are ignored. Saved in the background, batched.
   */
  ack(seqs: readonly number[]): void {
    if (this.state === 'closed') return;
    for (const seq of seqs) {
      const taken = this.handedOut.get(seq);
      if (taken === undefined) continue;
      this.handedOut.delete(seq);
      this.ledger.markAcked(seq, taken.segment, taken.bytes);
      this.acksDirty = true;
      if (this.ledger.isReleasable(taken.segment)) this.release(taken.segment);
    }
    if (this.acksDirty) this.scheduleFlush();
  }

  stats(): SpoolStats {
    const { pendingRecords, pendingBytes, diskBytes, segments, dropped, corrupt, acked } = this.ledger;
    const inMemoryBytes = this.readBack.heldBytes;
    const stats = { pendingRecords, pendingBytes, diskBytes, inMemoryBytes, segments: segments.length };
    return pendingRecords > 0
      ? { ...stats, dropped, corrupt, oldestPendingSeq: acked.floor }
      : { ...stats, dropped, corrupt };
  }

  /** fsyncs the open segment and saves the ack state now rather than at the next interval. */
  async flush(): Promise<void> {
    await Promise.all([this.writer.sync(), this.writer.run(() => this.saveAcks())]);
  }

  /** Waits for pending appends, fsyncs, saves the ack state and releases the lock. */
  close(): Promise<void> {
    this.closing ??= this.shutdown(true);
    return this.closing;
  }

  /**
   * Test hook standing in for a crash: stops like close() but without the final fsync or ack-state
   * save, and leaves the lock file behind, stale, for the next open to take over.
   */
  simulateCrashForTesting(): Promise<void> {
    this.closing ??= this.shutdown(false);
    return this.closing;
  }

  private async start(released: readonly SegmentState[]): Promise<void> {
    // Queued first so the newest seq is on disk before any older segment file disappears.
    const activated = this.writer.activate(this.ledger.active.firstSeq);
    for (const segment of released) this.deleteFile(segment);
    await activated;
    this.scheduleFlush();
  }

  private async takeNow(maxRecords: number, maxBytes: number): Promise<SpooledRecord<T>[]> {
    if (this.state !== 'open' || maxRecords < 1) return [];
    const records = await this.readBack.take(maxRecords, maxBytes);
    return records.map(({ seq, value, bytes, segment }) => {
      this.handedOut.set(seq, { segment, bytes });
      return { seq, value, bytes };
    });
  }

  private encode(value: T): Buffer {
    let payload: Buffer;
    try {
      payload = this.codec.encode(value);
    } catch (err) {
      throw new SpoolError('CODEC', `spool codec could not encode a value: ${String(err)}`, { cause: err });
    }
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new SpoolError('TOO_LARGE', `encoded value of ${payload.length} bytes does not fit in a frame`);
    }
    return payload;
  }

  /**
   * Rolls to a new segment when the open one is full, or when it is fully acknowledged and the
   * budget is short (so its space can be given back); then says whether the frame fits the budget.
   */
  private makeRoom(frameBytes: number): boolean {
    const { active } = this.ledger;
    const budget = this.options.diskBudgetBytes;
    const full = active.bytes + frameBytes > this.options.segmentBytes;
    const short = this.ledger.diskBytes + frameBytes > budget;
    if (active.records > 0 && (full || (short && active.acked === active.records))) this.roll();
    return this.ledger.diskBytes + frameBytes <= budget;
  }

  private roll(): void {
    const sealed = this.ledger.active;
    const next = this.ledger.openSegment();
    this.writer.activate(next.firstSeq).catch((err: unknown) => this.warnFailure('start a segment', err));
    if (this.ledger.isReleasable(sealed)) this.release(sealed);
  }

  private release(segment: SegmentState): void {
    if (this.ledger.remove(segment)) this.deleteFile(segment);
  }

  private deleteFile(segment: SegmentState): void {
    const path = segmentPath(this.options.dir, segment.firstSeq);
    this.writer.run(() => unlink(path)).catch((err: unknown) => this.warnFailure(`delete ${path}`, err));
  }

  private async saveAcks(): Promise<void> {
    if (!this.acksDirty) return;
    this.acksDirty = false;
    try {
      await saveAckState(this.options.dir, this.ledger.acked.toFile());
    } catch (err) {
      this.acksDirty = true;
      throw ioError(`cannot save the ack state in ${this.options.dir}`, err);
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.state !== 'open') return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.state === 'open') this.flush().catch((err: unknown) => this.warnFailure('flush', err));
    }, this.options.fsyncIntervalMs);
    this.flushTimer.unref();
  }

  private async shutdown(clean: boolean): Promise<void> {
    this.state = 'closing';
    clearTimeout(this.flushTimer);
    this.wakeWaiters();
    await this.takeChain;
    const failures: unknown[] = [];
    const attempt = (work: Promise<void>) => work.catch((err: unknown) => void failures.push(err));
    if (clean) await attempt(this.flush());
    await attempt(this.writer.close(clean));
    await attempt(this.reader.close());
    this.state = 'closed';
    this.wakeWaiters();
    if (clean) await attempt(this.lock.release());
    else this.lock.abandon();
    if (failures.length > 0) throw ioError(`cannot close spool in ${this.options.dir}`, failures[0]);
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0 || (this.ledger.untaken === 0 && this.state === 'open')) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private warnFailure(what: string, err: unknown): void {
    this.options.onWarning(`spool could not ${what}`, {
      dir: this.options.dir,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
