/**
 * What a spool finds on disk when it opens: the ack state, every segment checked frame by frame
 * (a torn or corrupt tail is cut off and reported), and the next seq to give out.
 */
import { truncate } from 'node:fs/promises';
import { ACK_FILE, type AckedSet, loadAckState } from './ack-state.js';
import { SpoolError } from './errors.js';
import type { Warn } from './lock.js';
import { listSegments, scanSegment, segmentPath } from './segment-files.js';

export interface RecoveredSegment {
  readonly firstSeq: number;
  readonly records: number;
  readonly bytes: number;
  readonly pendingRecords: number;
  readonly pendingBytes: number;
}

export interface RecoveredSpool {
  readonly segments: readonly RecoveredSegment[];
  readonly acked: AckedSet;
  readonly nextSeq: number;
}

export async function recoverSpool(dir: string, warn: Warn): Promise<RecoveredSpool> {
  const loaded = await loadAckState(dir);
  if (loaded.problem !== undefined) {
    warn('spool ack state unreadable; acknowledged records may be sent again', {
      file: `${dir}/${ACK_FILE}`,
      reason: loaded.problem,
    });
  }
  const acked = loaded.set;
  const segments: RecoveredSegment[] = [];
  for (const firstSeq of await listSegments(dir)) {
    segments.push(await recoverSegment(dir, firstSeq, acked, warn));
  }
  checkNoOverlap(dir, segments);
  const last = segments[segments.length - 1];
  // The floor can pass the last record on disk when acked records were written but never synced.
  const nextSeq = Math.max(acked.floor, last === undefined ? 0 : last.firstSeq + last.records);
  acked.dropFrom(nextSeq);
  markMissingAsAcked(acked, segments);
  return { segments, acked, nextSeq };
}

async function recoverSegment(
  dir: string,
  firstSeq: number,
  acked: AckedSet,
  warn: Warn,
): Promise<RecoveredSegment> {
  const path = segmentPath(dir, firstSeq);
  const scan = await scanSegment(path, firstSeq, (seq) => acked.has(seq));
  if (scan.problem !== undefined) {
    await truncate(path, scan.validBytes);
    warn('spool segment had a torn or corrupt tail; cut it off', {
      file: path,
      reason: scan.problem,
      keptRecords: scan.records,
      keptBytes: scan.validBytes,
      droppedBytes: scan.fileBytes - scan.validBytes,
      firstLostSeq: firstSeq + scan.records,
    });
  }
  const { records, validBytes: bytes, pendingRecords, pendingBytes } = scan;
  return { firstSeq, records, bytes, pendingRecords, pendingBytes };
}

function checkNoOverlap(dir: string, segments: readonly RecoveredSegment[]): void {
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1]!;
    const next = segments[i]!;
    if (prev.firstSeq + prev.records > next.firstSeq) {
      throw new SpoolError(
        'CORRUPT',
        `spool directory ${dir}: segment ${prev.firstSeq} holds ${prev.records} records, overlapping segment ${next.firstSeq}`,
      );
    }
  }
}

/**
 * Seqs with no record on disk (segments deleted once fully acked, or records lost with a corrupt
 * tail) count as acked, so the floor can move past them.
 */
function markMissingAsAcked(acked: AckedSet, segments: readonly RecoveredSegment[]): void {
  let end = acked.floor;
  for (const segment of segments) {
    if (segment.firstSeq > end) acked.addRange(end, segment.firstSeq - 1);
    end = Math.max(end, segment.firstSeq + segment.records);
  }
}
