/**
 * Commit and read times. Firestore keeps microsecond precision; every commit gets a time strictly
 * later than any time handed out before it (commit or read), so a read at time t sees exactly the
 * commits made before it was answered, and a document's update time changes with every commit that
 * changes it — the version a transaction's reads are checked against.
 */
import { invalidArgument } from './errors.js';
import type { Timestamp } from './wire.js';

/** Microseconds since the Unix epoch. */
export type Micros = number;

export class CommitClock {
  private last: Micros = 0;

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** A time at which every commit made so far is visible and no later commit can land. */
  readTime(): Micros {
    const t = Math.max(this.now(), this.last);
    this.last = t;
    return t;
  }

  commitTime(): Micros {
    const t = Math.max(this.now(), this.last + 1);
    this.last = t;
    return t;
  }

  /** The latest time handed out, without taking a new one. */
  latest(): Micros {
    return Math.max(this.now(), this.last);
  }

  private now(): Micros {
    return Math.floor(this.nowMs() * 1000);
  }
}

export function wireTime(micros: Micros): { seconds: number; nanos: number } {
  const seconds = Math.floor(micros / 1e6);
  return { seconds, nanos: (micros - seconds * 1e6) * 1000 };
}

/**
 * A request's timestamp (read time, precondition) as microseconds. The service requires these to
 * be microsecond aligned, since no stored time is finer.
 */
export function microsOf(t: Timestamp | undefined, what: string): Micros {
  const seconds = Number(t?.seconds ?? 0);
  const nanos = t?.nanos ?? 0;
  if (!Number.isSafeInteger(seconds) || nanos < 0 || nanos > 999_999_999) {
    throw invalidArgument(`${what} is not a valid timestamp`);
  }
  if (nanos % 1000 !== 0) throw invalidArgument(`${what} must be microsecond aligned`);
  return seconds * 1e6 + nanos / 1000;
}
