/**
 * Reads a `multipart/related` upload as it streams in: the first part is the object's JSON
 * metadata, the second its bytes, which go straight to the staged body. Only the last few bytes
 * are held back at a time, since the closing boundary can only be told from data at the very end.
 */
import type http from 'node:http';
import type { StagedBody } from './backend.js';
import { GcsError, notImplemented } from './errors.js';

/** Metadata beyond this is not an object's metadata: the service caps it at a few KiB. */
const MAX_HEAD_BYTES = 1024 * 1024;
const CRLF = Buffer.from('\r\n');
const BLANK_LINE = Buffer.from('\r\n\r\n');

export interface MultipartHead {
  /** The first part, parsed as JSON. */
  readonly metadata: unknown;
  /** The Content-Type of the data part. */
  readonly dataType: string | undefined;
}

export function boundaryOf(contentType: string | undefined): string {
  const match = /^multipart\/related\s*;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) {
    throw bad('A multipart upload needs Content-Type: multipart/related with a boundary.');
  }
  return boundary;
}

/** Streams the data part into `staged` and returns the metadata part. */
export async function receiveMultipart(
  req: http.IncomingMessage,
  boundary: string,
  staged: StagedBody,
): Promise<MultipartHead> {
  const closing = Buffer.from(`\r\n--${boundary}--`);
  const holdBack = closing.length + 2;
  let head: Buffer | undefined = Buffer.alloc(0);
  let parsed: MultipartHead | undefined;
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of req) {
    if (head !== undefined) {
      head = Buffer.concat([head, chunk as Buffer]);
      const split = splitHead(head, boundary);
      if (split === undefined) {
        if (head.length > MAX_HEAD_BYTES) throw bad('The metadata part of the upload is too large.');
        continue;
      }
      parsed = split.head;
      head = undefined;
      tail = split.rest;
    } else {
      tail = Buffer.concat([tail, chunk as Buffer]);
    }
    if (tail.length > holdBack) {
      await staged.write(tail.subarray(0, tail.length - holdBack));
      tail = tail.subarray(tail.length - holdBack);
    }
  }
  if (parsed === undefined) throw bad('The multipart upload ended before its data part.');
  const end = tail.lastIndexOf(closing);
  if (
    end < 0 ||
    tail
      .subarray(end + closing.length)
      .toString()
      .trim() !== ''
  ) {
    throw bad('The multipart upload does not end with its closing boundary.');
  }
  if (end > 0) await staged.write(tail.subarray(0, end));
  return parsed;
}

/** The metadata part and the data part's headers, once they are all in; undefined until then. */
function splitHead(buffer: Buffer, boundary: string): { head: MultipartHead; rest: Buffer } | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const first = buffer.indexOf(delimiter);
  if (first < 0) return undefined;
  const metaHeadersEnd = buffer.indexOf(BLANK_LINE, first);
  if (metaHeadersEnd < 0) return undefined;
  const separator = Buffer.concat([CRLF, delimiter]);
  const metaEnd = buffer.indexOf(separator, metaHeadersEnd + 4);
  if (metaEnd < 0) return undefined;
  const dataHeadersStart = metaEnd + separator.length;
  const dataHeadersEnd = buffer.indexOf(BLANK_LINE, dataHeadersStart);
  if (dataHeadersEnd < 0) return undefined;
  const dataHeaders = partHeaders(buffer.subarray(dataHeadersStart, dataHeadersEnd));
  const encoding = dataHeaders.get('content-transfer-encoding');
  if (encoding !== undefined && !/^(binary|8bit|7bit)$/i.test(encoding)) {
    throw notImplemented(`Content-Transfer-Encoding ${encoding} in multipart uploads`);
  }
  const metaText = buffer.subarray(metaHeadersEnd + 4, metaEnd).toString('utf8');
  let metadata: unknown;
  try {
    metadata = metaText.trim() === '' ? {} : JSON.parse(metaText);
  } catch {
    throw bad('The metadata part of the multipart upload is not valid JSON.');
  }
  return {
    head: { metadata, dataType: dataHeaders.get('content-type') },
    rest: buffer.subarray(dataHeadersEnd + 4),
  };
}

function partHeaders(block: Buffer): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function bad(message: string): GcsError {
  return new GcsError('badRequest', message);
}
