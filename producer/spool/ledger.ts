/**
 * Book-keeping of a spool with no I/O: its segments and, per segment and in total, how many records
 * are accepted, written, handed out and acknowledged. The Spool decides; the ledger counts.
 */
import type { AckedSet } from './ack-state.js';
import type { RecoveredSpool } from './recovery.js';

export interface SegmentState {
  readonly firstSeq: number;
  /** Records accepted into this segment (the last few may still wait to be written), and their bytes. */
  records: number;
  bytes: number;
  writtenRecords: number;
  writtenBytes: number;
  /** Records acknowledged, or lost to corruption found on read-back. */
  acked: number;
  /** Records written, not acknowledged, and not yet handed out in this process, and their payload bytes. */
  untaken: number;
  untakenBytes: number;
}

export class SpoolLedger {
  /** Live segments, ascending; the last one is where appends go. */
  readonly segments: SegmentState[] = [];
  nextSeq: number;
  /** Every seq below this is written. */
  writtenEnd: number;
  pendingRecords = 0;
  pendingBytes = 0;
  diskBytes = 0;
  untaken = 0;
  dropped = 0;
  corrupt = 0;

  constructor(
    readonly acked: AckedSet,
    nextSeq: number,
  ) {
    this.nextSeq = nextSeq;
    this.writtenEnd = nextSeq;
  }

  static fromRecovered(recovered: RecoveredSpool): SpoolLedger {
    const ledger = new SpoolLedger(recovered.acked, recovered.nextSeq);
    for (const found of recovered.segments) {
      const { firstSeq, records, bytes, pendingRecords, pendingBytes } = found;
      ledger.segments.push({
        firstSeq,
        records,
        bytes,
        writtenRecords: records,
        writtenBytes: bytes,
        acked: records - pendingRecords,
        untaken: pendingRecords,
        untakenBytes: pendingBytes,
      });
      ledger.diskBytes += bytes;
      ledger.pendingRecords += pendingRecords;
      ledger.pendingBytes += pendingBytes;
      ledger.untaken += pendingRecords;
    }
    return ledger;
  }

  /**
   * At open: picks the segment appends go to (the last one when it is empty and at the next seq,
   * else a new one) and takes out the fully acknowledged segments, returning those to delete.
   */
  prepareForAppends(): SegmentState[] {
    const last = this.segments[this.segments.length - 1];
    if (last === undefined || last.records > 0 || last.firstSeq !== this.nextSeq) this.openSegment();
    const released = this.segments.filter((segment) => this.isReleasable(segment));
    for (const segment of released) this.remove(segment);
    return released;
  }

  get active(): SegmentState {
    return this.segments[this.segments.length - 1]!;
  }

  /** Starts a new segment at the next seq; the previous one is sealed from now on. */
  openSegment(): SegmentState {
    const segment: SegmentState = {
      firstSeq: this.nextSeq,
      records: 0,
      bytes: 0,
      writtenRecords: 0,
      writtenBytes: 0,
      acked: 0,
      untaken: 0,
      untakenBytes: 0,
    };
    this.segments.push(segment);
    return segment;
  }

  accept(frameBytes: number, payloadBytes: number): { seq: number; segment: SegmentState } {
    const segment = this.active;
    segment.records++;
    segment.bytes += frameBytes;
    this.diskBytes += frameBytes;
    this.pendingRecords++;
    this.pendingBytes += payloadBytes;
    return { seq: this.nextSeq++, segment };
  }

  markWritten(seq: number, segment: SegmentState, frameBytes: number, payloadBytes: number): void {
    segment.writtenRecords++;
    segment.writtenBytes += frameBytes;
    segment.untaken++;
    segment.untakenBytes += payloadBytes;
    this.untaken++;
    this.writtenEnd = seq + 1;
  }

  markTaken(segment: SegmentState, payloadBytes: number): void {
    segment.untaken--;
    segment.untakenBytes -= payloadBytes;
    this.untaken--;
  }

  markAcked(seq: number, segment: SegmentState, payloadBytes: number): void {
    this.acked.add(seq);
    segment.acked++;
    this.pendingRecords--;
    this.pendingBytes -= payloadBytes;
  }

  /** Seqs `[firstSeq, endSeq)` of `segment` are unreadable; `records` of them were still untaken. */
  markLost(segment: SegmentState, firstSeq: number, endSeq: number, records: number, bytes: number): void {
    if (endSeq > firstSeq) this.acked.addRange(firstSeq, endSeq - 1);
    segment.acked += records;
    segment.untaken -= records;
    segment.untakenBytes -= bytes;
    this.untaken -= records;
    this.pendingRecords -= records;
    this.pendingBytes -= bytes;
    this.corrupt += records;
  }

  /** A sealed segment whose records are all acknowledged: its file can go. */
  isReleasable(segment: SegmentState): boolean {
    return segment !== this.active && segment.acked === segment.records;
  }

  /** Forgets a segment; false when it was already gone. */
  remove(segment: SegmentState): boolean {
    const index = this.segments.indexOf(segment);
    if (index < 0) return false;
    this.segments.splice(index, 1);
    this.diskBytes -= segment.bytes;
    return true;
  }

  /** The live segment after `segment` (which may itself be gone already). */
  segmentAfter(segment: SegmentState): SegmentState | undefined {
    return this.segments.find((s) => s.firstSeq > segment.firstSeq);
  }
}
