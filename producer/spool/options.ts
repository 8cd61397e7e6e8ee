/** The options and codec a spool is opened with, checked once at open. */
import { resolve } from 'node:path';
import { SpoolError } from './errors.js';

/** Turns stored values into bytes and back; `decode` gets exactly the bytes `encode` returned. */
export interface SpoolCodec<T> {
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
}

export interface SpoolOptions {
  /** Created if missing; one spool per directory, enforced by a lock file. */
  dir: string;
  /** Total bytes of live segment files; an append that would go over is refused. */
  diskBudgetBytes: number;
  /** Encoded bytes of values kept in memory for sending; the rest are read back from disk. */
  memoryBudgetBytes: number;
  /** Roll to a new segment file at this size (default 8 MiB). */
  segmentBytes?: number;
  /** fsync the open segment and save the ack state at most this often (default 1000). */
  fsyncIntervalMs?: number;
  /** Repaired damage and failed background work; without it they go unreported. */
  onWarning?: (message: string, details: object) => void;
}

export interface ResolvedSpoolOptions {
  readonly dir: string;
  readonly diskBudgetBytes: number;
  readonly memoryBudgetBytes: number;
  readonly segmentBytes: number;
  readonly fsyncIntervalMs: number;
  readonly onWarning: (message: string, details: object) => void;
}

const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
const DEFAULT_FSYNC_INTERVAL_MS = 1000;

export function resolveSpoolOptions(options: SpoolOptions): ResolvedSpoolOptions {
  if (typeof options.dir !== 'string' || options.dir === '') {
    throw new SpoolError('BAD_OPTIONS', 'spool option dir must be a non-empty path');
  }
  return Object.freeze({
    dir: resolve(options.dir),
    diskBudgetBytes: checkCount('diskBudgetBytes', options.diskBudgetBytes, 1),
    memoryBudgetBytes: checkCount('memoryBudgetBytes', options.memoryBudgetBytes, 0),
    segmentBytes: checkCount('segmentBytes', options.segmentBytes ?? DEFAULT_SEGMENT_BYTES, 1),
    fsyncIntervalMs: checkCount('fsyncIntervalMs', options.fsyncIntervalMs ?? DEFAULT_FSYNC_INTERVAL_MS, 0),
    onWarning: options.onWarning ?? (() => {}),
  });
}

function checkCount(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new SpoolError(
      'BAD_OPTIONS',
      `spool option ${name} must be an integer >= ${min}, got ${String(value)}`,
    );
  }
  return value;
}
