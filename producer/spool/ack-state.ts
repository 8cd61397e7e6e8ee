/**
 * The acknowledged seqs of a spool and the small file that keeps them across restarts. Acks come
 * out of order, so the state is a floor (every seq below it is acked) plus the few ranges above it;
 * in steady flow that is one number. The file is replaced atomically (temp file + rename).
 */
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { type IdRange, isNormalized, normalizeRanges } from '../../core/ranges.js';

export const ACK_FILE = 'acks.json';
const FORMAT_VERSION = 1;

export interface AckStateFile {
  readonly version: number;
  readonly floor: number;
  readonly acked: readonly IdRange[];
}

export class AckedSet {
  private floorSeq: number;
  private ranges: IdRange[] = [];

  constructor(floor = 0, ranges: readonly IdRange[] = []) {
    this.floorSeq = floor;
    for (const [first, last] of ranges) this.addRange(first, last);
  }

  /** The lowest seq not acknowledged. */
  get floor(): number {
    return this.floorSeq;
  }

  has(seq: number): boolean {
    if (seq < this.floorSeq) return true;
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [first, last] = this.ranges[mid]!;
      if (seq < first) hi = mid - 1;
      else if (seq > last) lo = mid + 1;
      else return true;
    }
    return false;
  }

  add(seq: number): void {
    this.addRange(seq, seq);
  }

  addRange(first: number, last: number): void {
    if (last < this.floorSeq) return;
    this.ranges = normalizeRanges([...this.ranges, [Math.max(first, this.floorSeq), last]]);
    while (this.ranges.length > 0 && this.ranges[0]![0] <= this.floorSeq) {
      this.floorSeq = Math.max(this.floorSeq, this.ranges[0]![1] + 1);
      this.ranges.shift();
    }
  }

  /** Forgets acks at or above `limit`: those seqs are not on disk and will be given out again. */
  dropFrom(limit: number): void {
    this.ranges = this.ranges
      .filter(([first]) => first < limit)
      .map(([first, last]): IdRange => [first, Math.min(last, limit - 1)]);
  }

  toFile(): AckStateFile {
    return { version: FORMAT_VERSION, floor: this.floorSeq, acked: [...this.ranges] };
  }
}

/** Loads the ack state; a missing file is an empty state, an unreadable one is reported as `problem`. */
export async function loadAckState(dir: string): Promise<{ set: AckedSet; problem?: string }> {
  let text: string;
  try {
    text = await readFile(join(dir, ACK_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { set: new AckedSet() };
    throw err;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (isAckStateFile(parsed)) return { set: new AckedSet(parsed.floor, parsed.acked) };
    return { set: new AckedSet(), problem: 'unexpected content' };
  } catch (err) {
    return { set: new AckedSet(), problem: `not JSON: ${(err as Error).message}` };
  }
}

function isAckStateFile(value: unknown): value is AckStateFile {
  if (typeof value !== 'object' || value === null) return false;
  const { version, floor, acked } = value as Record<string, unknown>;
  if (version !== FORMAT_VERSION || !Number.isSafeInteger(floor) || (floor as number) < 0) return false;
  if (!Array.isArray(acked)) return false;
  const pairs = acked.every((r) => Array.isArray(r) && r.length === 2);
  return pairs && isNormalized(acked as IdRange[]);
}

/** Writes the state to a temp file, syncs it, and renames it over the old one. */
export async function saveAckState(dir: string, state: AckStateFile): Promise<void> {
  const target = join(dir, ACK_FILE);
  const temp = `${target}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(state)}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
}
