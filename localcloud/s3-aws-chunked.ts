/**
 * The SDK sends stream bodies in aws-chunked framing with a trailing checksum, which s3rver would
 * store verbatim; the front undoes the framing before s3rver sees the body.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { S3StandInError } from './s3-errors.js';

/**
 * Undoes aws-chunked framing: `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` repeated, then a
 * zero-size chunk, optional `name:value` trailer lines and an empty line. Chunk signatures are not
 * verified, as s3rver verifies no signatures.
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';
  private remaining = 0;
  private line: Buffer[] = [];
  private lineLength = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    callback(this.state === 'done' ? null : malformed('the body ended inside a chunk'));
  }

  private consume(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.state === 'done') throw malformed('bytes follow the final chunk');
      if (this.state === 'data') {
        const take = Math.min(this.remaining, chunk.length - at);
        this.push(chunk.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      const newline = chunk.indexOf(0x0a, at);
      const end = newline === -1 ? chunk.length : newline + 1;
      this.line.push(chunk.subarray(at, end));
      this.lineLength += end - at;
      at = end;
      if (this.lineLength > 4096) throw malformed('a chunk header line is too long');
      if (newline !== -1)
        this.onLine(
          Buffer.concat(this.line)
            .toString('latin1')
            .replace(/\r?\n$/, ''),
        );
    }
  }

  private onLine(text: string): void {
    this.line = [];
    this.lineLength = 0;
    if (this.state === 'size') {
      const match = /^([0-9a-fA-F]{1,8})(;.*)?$/.exec(text);
      if (match === null) throw malformed(`bad chunk size line ${JSON.stringify(text.slice(0, 40))}`);
      this.remaining = Number.parseInt(match[1]!, 16);
      this.state = this.remaining === 0 ? 'trailer' : 'data';
    } else if (this.state === 'data-end') {
      if (text !== '') throw malformed('a chunk is longer than its declared size');
      this.state = 'size';
    } else if (text === '') {
      this.state = 'done';
    } else {
      const colon = text.indexOf(':');
      if (colon <= 0) throw malformed('bad trailer line');
      this.trailers.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
    }
  }
}

function malformed(why: string): S3StandInError {
  return new S3StandInError('IncompleteBody', `The aws-chunked body is malformed: ${why}.`);
}
