/**
 * The records of a spool not yet handed out, in seq order: a prefix held decoded in memory (up to
 * the memory budget), the rest read back from the segment files when their turn comes. The cursor
 * is where the first record not held in memory starts on disk; new appends join the in-memory
 * prefix only while nothing is waiting on disk before them, so order is kept without an index.
 */
import { Deque } from '../../core/deque.js';
import type { SegmentState, SpoolLedger } from './ledger.js';
import type { Warn } from './lock.js';
import type { SpoolCodec } from './options.js';
import { segmentPath } from './segment-files.js';
import type { SegmentReader } from './segment-reader.js';

export interface HeldRecord<T> {
  readonly seq: number;
  readonly value: T;
  readonly bytes: number;
  readonly segment: SegmentState;
}

interface Cursor {
  readonly segment: SegmentState;
  readonly offset: number;
  readonly seq: number;
}

export interface ReadBackContext<T> {
  readonly ledger: SpoolLedger;
  readonly reader: SegmentReader;
  readonly codec: SpoolCodec<T>;
  readonly dir: string;
  readonly memoryBudgetBytes: number;
  readonly warn: Warn;
  /** Called when records lost to corruption leave a sealed segment fully acknowledged. */
  readonly released: (segment: SegmentState) => void;
}

export class ReadBack<T> {
  private readonly held = new Deque<HeldRecord<T>>();
  private heldTotal = 0;
  private cursor: Cursor;

  constructor(private readonly context: ReadBackContext<T>) {
    const first = context.ledger.segments[0]!;
    this.cursor = { segment: first, offset: 0, seq: first.firstSeq };
  }

  /** Payload bytes of the values held in memory. */
  get heldBytes(): number {
    return this.heldTotal;
  }

  /** A record just written: kept in memory when it is next in line and fits the budget. */
  written(seq: number, value: T, segment: SegmentState, bytes: number): void {
    if (this.cursor.seq !== seq || this.heldTotal + bytes > this.context.memoryBudgetBytes) return;
    this.hold({ seq, value, bytes, segment });
    this.cursor = { segment, offset: segment.writtenBytes, seq: seq + 1 };
  }

  /**
   * Hands out the next records, at most `maxRecords` and `maxBytes` of payload, but at least one
   * when any is there. Calls must not overlap.
   */
  async take(maxRecords: number, maxBytes: number): Promise<HeldRecord<T>[]> {
    const out: HeldRecord<T>[] = [];
    let bytes = 0;
    while (out.length < maxRecords) {
      if (this.held.length === 0) {
        if (this.context.ledger.untaken === 0) break;
        await this.readAhead(maxRecords - out.length, maxBytes - bytes);
      }
      const next = this.held.peek();
      if (next === undefined || (out.length > 0 && bytes + next.bytes > maxBytes)) break;
      this.held.shift();
      this.heldTotal -= next.bytes;
      this.context.ledger.markTaken(next.segment, next.bytes);
      out.push(next);
      bytes += next.bytes;
    }
    return out;
  }

  /** Reads records from disk into memory: at least one, then while wanted and within the budget. */
  private async readAhead(wantRecords: number, wantBytes: number): Promise<void> {
    let records = 0;
    let bytes = 0;
    while (this.cursor.seq < this.context.ledger.writtenEnd) {
      const full = bytes >= wantBytes || this.heldTotal >= this.context.memoryBudgetBytes;
      if (records > 0 && (records >= wantRecords || full)) return;
      const before = this.cursor.seq;
      const record = await this.readAtCursor();
      if (record === undefined) {
        if (this.cursor.seq === before) return; // nothing left to read: never spin
        continue;
      }
      this.hold(record);
      records++;
      bytes += record.bytes;
    }
  }

  /** The record at the cursor, or undefined when it is acknowledged already or unreadable. */
  private async readAtCursor(): Promise<HeldRecord<T> | undefined> {
    const { segment, offset, seq } = this.settledCursor();
    const frame = await this.context.reader.read(segment.firstSeq, offset, segment.writtenBytes);
    if (frame.kind !== 'ok') {
      const reason = frame.kind === 'short' ? 'frame runs past the written end' : frame.reason;
      this.loseRestOfSegment(reason);
      return undefined;
    }
    this.cursor = { segment, offset: offset + frame.frameBytes, seq: seq + 1 };
    if (this.context.ledger.acked.has(seq)) return undefined;
    const bytes = frame.payload.length;
    try {
      return { seq, value: this.context.codec.decode(frame.payload), bytes, segment };
    } catch (err) {
      this.context.ledger.markLost(segment, seq, seq + 1, 1, bytes);
      this.context.warn('spool record could not be decoded; skipped it', {
        file: segmentPath(this.context.dir, segment.firstSeq),
        offset,
        seq,
        error: err instanceof Error ? err.message : String(err),
      });
      this.releaseIfDone(segment);
      return undefined;
    }
  }

  /** The cursor, moved on to the next live segment once past the end of its own. */
  private settledCursor(): Cursor {
    let cursor = this.cursor;
    while (cursor.seq >= cursor.segment.firstSeq + cursor.segment.records) {
      const next = this.context.ledger.segmentAfter(cursor.segment);
      if (next === undefined) break;
      cursor = { segment: next, offset: 0, seq: Math.max(cursor.seq, next.firstSeq) };
    }
    this.cursor = cursor;
    return cursor;
  }

  /**
   * The segment changed on disk after it was checked at open or written here: the frame lengths
   * after the bad one cannot be trusted, so every record from the cursor to the segment's written
   * end is counted as lost, and reading goes on after it.
   */
  private loseRestOfSegment(reason: string): void {
    const { segment, offset, seq } = this.cursor;
    let heldRecords = 0;
    let heldBytes = 0;
    for (const record of this.held) {
      if (record.segment !== segment) continue;
      heldRecords++;
      heldBytes += record.bytes;
    }
    const end = segment.firstSeq + segment.writtenRecords;
    const records = segment.untaken - heldRecords;
    this.context.ledger.markLost(segment, seq, end, records, segment.untakenBytes - heldBytes);
    this.cursor = { segment, offset: segment.writtenBytes, seq: end };
    this.context.warn('spool segment is damaged; skipped the rest of it', {
      file: segmentPath(this.context.dir, segment.firstSeq),
      offset,
      reason,
      firstLostSeq: seq,
      lostRecords: records,
    });
    this.releaseIfDone(segment);
  }

  private releaseIfDone(segment: SegmentState): void {
    if (this.context.ledger.isReleasable(segment)) this.context.released(segment);
  }

  private hold(record: HeldRecord<T>): void {
    this.held.push(record);
    this.heldTotal += record.bytes;
  }
}
