/** Reads records back from segment files, sequentially, one open file at a time. */
import { type FileHandle, open } from 'node:fs/promises';
import { ioError } from './errors.js';
import { type FrameParse, FrameWindow } from './frame.js';
import { segmentPath } from './segment-files.js';

const READ_CHUNK_BYTES = 256 * 1024;

export class SegmentReader {
  private file: { firstSeq: number; handle: FileHandle; window: FrameWindow } | undefined;

  constructor(private readonly dir: string) {}

  /**
   * The frame at `offset` of segment `firstSeq`, reading no further than `end`. An 'ok' payload is
   * a copy, so a decoded value never pins a whole read-ahead chunk in memory.
   */
  async read(firstSeq: number, offset: number, end: number): Promise<FrameParse> {
    try {
      const window = await this.windowFor(firstSeq);
      const frame = await window.frameAt(offset, end);
      return frame.kind === 'ok' ? { ...frame, payload: Buffer.from(frame.payload) } : frame;
    } catch (err) {
      throw ioError(`cannot read ${segmentPath(this.dir, firstSeq)} at ${offset}`, err);
    }
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.handle.close();
  }

  private async windowFor(firstSeq: number): Promise<FrameWindow> {
    if (this.file?.firstSeq === firstSeq) return this.file.window;
    await this.close();
    const handle = await open(segmentPath(this.dir, firstSeq), 'r');
    this.file = { firstSeq, handle, window: new FrameWindow(handle, READ_CHUNK_BYTES) };
    return this.file.window;
  }
}
