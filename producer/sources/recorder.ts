/**
 * Records every received frame as a `<receive ms> <frame>` line, the format the replay source reads,
 * so a live session can be replayed exactly. Writes are buffered by the stream; close() flushes.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { formatRecordedLine } from '../../core/parse/recorded.js';

export class Recorder {
  readonly #out: WriteStream;
  #error: Error | undefined;

  constructor(file: string) {
    this.#out = createWriteStream(file, { flags: 'a' });
    // A failing disk must not take the feed down: the error is kept and reported by close().
    this.#out.on('error', (err) => {
      this.#error ??= err;
    });
  }

  record(receivedAt: number, frame: string): void {
    if (this.#error === undefined) this.#out.write(`${formatRecordedLine(receivedAt, frame)}\n`);
  }

  /** The first write error, if recording failed. */
  get error(): Error | undefined {
    return this.#error;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#out.end(() => resolve()));
  }
}
