/**
 * Segment files: `<first seq, 20 digits>.seg`, each a run of frames with consecutive seqs. Naming
 * a file by its first seq is what lets a restart know every record's seq without an index.
 */
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FrameWindow } from './frame.js';

const SEGMENT_NAME = /^(\d{20})\.seg$/;
const SCAN_CHUNK_BYTES = 1 << 20;

export function segmentFileName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.seg`;
}

export function segmentPath(dir: string, firstSeq: number): string {
  return join(dir, segmentFileName(firstSeq));
}

/** First seqs of the segment files in `dir`, ascending; other files are ignored. */
export async function listSegments(dir: string): Promise<number[]> {
  const seqs: number[] = [];
  for (const name of await readdir(dir)) {
    const match = SEGMENT_NAME.exec(name);
    if (match === null) continue;
    const seq = Number(match[1]);
    if (Number.isSafeInteger(seq)) seqs.push(seq);
  }
  return seqs.sort((a, b) => a - b);
}

export interface SegmentScan {
  /** Valid records, from the start of the file up to the first bad frame. */
  readonly records: number;
  /** Bytes those records take: where the file must be cut when `problem` is set. */
  readonly validBytes: number;
  readonly fileBytes: number;
  /** Valid records not acknowledged, and their payload bytes. */
  readonly pendingRecords: number;
  readonly pendingBytes: number;
  /** Why the scan stopped before the end of the file (a torn or corrupt tail). */
  readonly problem?: string;
}

/** Walks every frame of a segment, checking each CRC, and stops at the first bad one. */
export async function scanSegment(
  path: string,
  firstSeq: number,
  isAcked: (seq: number) => boolean,
): Promise<SegmentScan> {
  const handle = await open(path, 'r');
  try {
    const fileBytes = (await handle.stat()).size;
    const window = new FrameWindow(handle, SCAN_CHUNK_BYTES);
    let records = 0;
    let validBytes = 0;
    let pendingRecords = 0;
    let pendingBytes = 0;
    while (validBytes < fileBytes) {
      const frame = await window.frameAt(validBytes, fileBytes);
      if (frame.kind !== 'ok') {
        const problem = frame.kind === 'short' ? 'incomplete frame at the end of the file' : frame.reason;
        return { records, validBytes, fileBytes, pendingRecords, pendingBytes, problem };
      }
      if (!isAcked(firstSeq + records)) {
        pendingRecords++;
        pendingBytes += frame.payload.length;
      }
      records++;
      validBytes += frame.frameBytes;
    }
    return { records, validBytes, fileBytes, pendingRecords, pendingBytes };
  } finally {
    await handle.close();
  }
}
