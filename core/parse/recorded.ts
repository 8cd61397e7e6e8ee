/**
 * Recorded frames: one `<receive timestamp> <frame>` per line, the format the producer records and
 * replays. The timestamp is milliseconds, microseconds or nanoseconds, told apart by its length.
 */
import { TradeParseError } from '../errors.js';

export interface RecordedLine {
  /** Local receive time in milliseconds. */
  readonly receivedAt: number;
  /** The frame text, exactly as received. */
  readonly frame: string;
}

export function parseRecordedLine(line: string): RecordedLine {
  const space = line.indexOf(' ');
  const stamp = space < 0 ? line : line.slice(0, space);
  if (space <= 0 || !/^[0-9]+$/.test(stamp)) {
    throw new TradeParseError('timestamp', stamp, 'recorded line does not start with a receive timestamp');
  }
  return { receivedAt: stampToMillis(stamp), frame: line.slice(space + 1) };
}

/** 13 digits are milliseconds, 16 microseconds, 19 nanoseconds (until the year 2286). */
function stampToMillis(stamp: string): number {
  if (stamp.length <= 13) return Number(stamp);
  if (stamp.length <= 16) return Number(stamp.slice(0, stamp.length - 3));
  if (stamp.length <= 19) return Number(stamp.slice(0, stamp.length - 6));
  throw new TradeParseError('timestamp', stamp, 'receive timestamp has more than 19 digits');
}

export function formatRecordedLine(receivedAtMs: number, frame: string): string {
  return `${receivedAtMs} ${frame}`;
}
