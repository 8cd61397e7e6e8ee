/**
 * Records every received frame as a `<receive ms> <frame>` line, the format the replay source reads,
 * so a live session can be replayed exactly. Writes are buffered by the stream; close() flushes.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { formatRecordedLine } from '../../core/parse/recorded.js';

export class Recorder {
  readonly #out: WriteStream;
  #error: Error | undefined;

  /** `onError` hears of the first write error; recording stops then, the feed goes on. */
  constructor(file: string, onError: (err: Error) => void) {
    this.#out = createWriteStream(file, { flags: 'a' });
    this.#out.on('error', (err) => {
      if (this.#error === undefined) onError(err);
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
