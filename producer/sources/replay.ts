/**
 * Replays recordings (`<receive timestamp> <frame>` lines, as the producer records them) at the
 * recorded pace, faster, or as fast as the pipeline takes them. Several files (one per symbol, say)
 * are merged by receive time.
 */
import { access } from 'node:fs/promises';
import { TradeParseError } from '../../core/errors.js';
import { parseRecordedLine, type RecordedLine } from '../../core/parse/recorded.js';
import { ProducerError } from '../errors.js';
import { readLines } from './line-reader.js';
import type { ConnectionStatus, FrameSink, SourceProblem, TradeSource } from './source.js';

const YIELD_EVERY = 64;

interface Cursor {
  readonly file: string;
  readonly lines: AsyncIterator<string>;
  lineNo: number;
  head: RecordedLine | undefined;
}

export class ReplaySource implements TradeSource {
  readonly #files: readonly string[];
  readonly #speed: number;
  #stopped = false;
  #frames = 0;
  #lastAt: number | undefined;

  /** `speed` 1 is the recorded pace, 10 ten times faster, 0 no waiting at all. */
  constructor(files: readonly string[], speed: number) {
    this.#files = files;
    this.#speed = speed;
  }

  async run(sink: FrameSink, onProblem: (problem: SourceProblem) => void): Promise<void> {
    const cursors = await Promise.all(this.#files.map((file) => open(file)));
    for (const c of cursors) await advance(c, onProblem);
    let origin: { recorded: number; wall: number } | undefined;
    for (;;) {
      const next = earliest(cursors);
      if (next === undefined || this.#stopped) break;
      const line = next.head as RecordedLine;
      origin ??= { recorded: line.receivedAt, wall: Date.now() };
      if (this.#speed > 0) await this.#pace(origin, line.receivedAt);
      const now = Date.now();
      this.#frames++;
      this.#lastAt = now;
      const wait = sink(line.frame, now);
      if (wait !== undefined) await wait;
      // Lines come a megabyte at a time; without a break the loop would hold the event loop for
      // thousands of frames and the sinks' I/O would stall behind it, which a live feed never does.
      else if (this.#frames % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      await advance(next, onProblem);
    }
    for (const c of cursors) await c.lines.return?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
  }

  connections(): ConnectionStatus[] {
    return [
      {
        id: 'replay',
        state: this.#stopped ? 'stopped' : 'open',
        streams: this.#files.length,
        reconnects: 0,
        rotations: 0,
        framesReceived: this.#frames,
        ...(this.#lastAt === undefined ? {} : { lastMessageAt: this.#lastAt }),
      },
    ];
  }

  async #pace(origin: { recorded: number; wall: number }, recordedAt: number): Promise<void> {
    const due = origin.wall + (recordedAt - origin.recorded) / this.#speed;
    const wait = due - Date.now();
    // Frames due within a millisecond go out together: one timer per frame would cap the pace.
    if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

async function open(file: string): Promise<Cursor> {
  try {
    await access(file);
  } catch (err) {
    throw new ProducerError('SOURCE', `cannot read replay file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return { file, lines: readLines(file), lineNo: 0, head: undefined };
}

/** Moves a cursor to its next well-formed line; bad lines are reported and skipped. */
async function advance(c: Cursor, onProblem: (problem: SourceProblem) => void): Promise<void> {
  for (;;) {
    const r = await c.lines.next();
    if (r.done === true) {
      c.head = undefined;
      return;
    }
    c.lineNo++;
    if (r.value.trim() === '') continue;
    try {
      c.head = parseRecordedLine(r.value);
      return;
    } catch (err) {
      if (!(err instanceof TradeParseError)) throw err;
      onProblem({ where: `${c.file}:${c.lineNo}`, message: err.message });
    }
  }
}

function earliest(cursors: readonly Cursor[]): Cursor | undefined {
  let best: Cursor | undefined;
  for (const c of cursors) {
    if (
      c.head !== undefined &&
      (best === undefined || c.head.receivedAt < (best.head as RecordedLine).receivedAt)
    )
      best = c;
  }
  return best;
}
