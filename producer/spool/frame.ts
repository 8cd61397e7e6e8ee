/**
 * Record framing inside a segment file: u32 LE payload length, u32 LE CRC32 of (length bytes +
 * payload), then the payload. The CRC covers the length too, so a torn or flipped length field is
 * caught rather than sending the reader into the middle of another record.
 */
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 8;
export const MAX_PAYLOAD_BYTES = 0xffff_ffff;

export function frameHeader(payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload, crc32(header.subarray(0, 4))), 4);
  return header;
}

export type FrameParse =
  | { readonly kind: 'ok'; readonly payload: Buffer; readonly frameBytes: number }
  /** The bytes at hand end before the frame does; `needBytes` counts from the frame's start. */
  | { readonly kind: 'short'; readonly needBytes: number }
  | { readonly kind: 'corrupt'; readonly reason: string };

/** Parses the frame that starts at `at` in `bytes`; the payload is a view into `bytes`. */
export function parseFrame(bytes: Buffer, at: number): FrameParse {
  const available = bytes.length - at;
  if (available < FRAME_HEADER_BYTES) return { kind: 'short', needBytes: FRAME_HEADER_BYTES };
  const frameBytes = FRAME_HEADER_BYTES + bytes.readUInt32LE(at);
  if (available < frameBytes) return { kind: 'short', needBytes: frameBytes };
  const payload = bytes.subarray(at + FRAME_HEADER_BYTES, at + frameBytes);
  const actual = crc32(payload, crc32(bytes.subarray(at, at + 4)));
  if (actual !== bytes.readUInt32LE(at + 4)) return { kind: 'corrupt', reason: 'CRC32 mismatch' };
  return { kind: 'ok', payload, frameBytes };
}

/**
 * Reads frames from one file through a read-ahead window, so that walking many small records
 * costs one read per chunk rather than two per record.
 */
export class FrameWindow {
  private start = 0;
  private bytes: Buffer = Buffer.alloc(0);

  constructor(
    private readonly handle: FileHandle,
    private readonly chunkBytes: number,
  ) {}

  /**
   * The frame at `offset`, reading no further than `end` (the file's known length): 'short' means
   * the frame runs past `end`.
   */
  async frameAt(offset: number, end: number): Promise<FrameParse> {
    if (offset >= this.start && offset < this.start + this.bytes.length) {
      const parsed = parseFrame(this.bytes, offset - this.start);
      if (parsed.kind === 'ok') return parsed;
    }
    // Not in the window, or the window was read before the rest of the frame was written.
    let parsed = await this.fill(offset, Math.min(this.chunkBytes, end - offset));
    if (parsed.kind === 'short' && parsed.needBytes > this.bytes.length && offset + parsed.needBytes <= end) {
      parsed = await this.fill(offset, parsed.needBytes);
    }
    return parsed;
  }

  private async fill(offset: number, length: number): Promise<FrameParse> {
    // A fresh buffer each time: payloads handed out earlier may still be views into the old one.
    const buffer = Buffer.allocUnsafe(Math.max(0, length));
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, offset);
    this.start = offset;
    this.bytes = buffer.subarray(0, bytesRead);
    return parseFrame(this.bytes, 0);
  }
}
