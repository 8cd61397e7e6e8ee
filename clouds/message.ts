/**
 * The message codec shared by the producer and the consumers of both clouds: a wire batch
 * (core/wire.ts) as a queue or topic message, gzipped and base64-encoded when it is large enough
 * to be worth it, marked by the `contentEncoding` attribute. Also the record format the producer
 * spools unsent messages in.
 */
import { promisify } from 'node:util';
import { crc32, gunzipSync, gzip } from 'node:zlib';
import { CoreError } from '../core/errors.js';
import { decodeBatch, type WireBatch } from '../core/wire.js';
import { CloudError } from './errors.js';
import type { OutboundMessage } from './ports.js';

export const CONTENT_ENCODING = 'contentEncoding';
export const GZIP = 'gzip';

/**
 * Level 1 (Z_BEST_SPEED). On syntheticTrades batches of 1,000 trades (83 KB of JSON) level 1
 * shrinks the body 6.4x in about 0.5 ms; level 6 reaches 8.4x in 1.5 ms and level 9 9.0x in 7 ms.
 * Level 1 keeps about 90% of level 6's saving at a third of the CPU, which matters in the market
 * bursts when both message count and latency peak.
 */
const GZIP_LEVEL = 1;

/**
 * What a body may inflate to when read back. A 1 MiB gzip body could otherwise expand to gigabytes;
 * batch JSON compresses well under 20x, so 128 MiB is far above any honest 10 MB message.
 */
const DEFAULT_MAX_DECODED_BYTES = 128 * 1024 * 1024;

const gzipAsync = promisify(gzip);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface BatchMeta {
  readonly symbol: string;
  readonly firstId: number;
  readonly lastId: number;
  readonly trades: number;
  readonly receivedAt: number;
}

export interface EncodeOptions {
  /** Bodies of at least this many UTF-8 bytes are gzipped; Infinity never gzips. */
  readonly gzipMinBytes: number;
}

/**
 * Builds the message for a batch body (from core/wire.ts batchBody). The gzip runs on the libuv
 * thread pool, so compressing a large batch never holds up the event loop reading the socket.
 */
export async function toOutboundMessage(
  body: string | Buffer,
  meta: BatchMeta,
  options: EncodeOptions,
): Promise<OutboundMessage> {
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  let sent: string | undefined;
  let attributes: Record<string, string> = {};
  if (raw.length >= options.gzipMinBytes) {
    sent = (await gzipAsync(raw, { level: GZIP_LEVEL })).toString('base64');
    attributes = { [CONTENT_ENCODING]: GZIP };
  }
  sent ??= typeof body === 'string' ? body : raw.toString('utf8');
  return {
    body: sent,
    attributes,
    symbol: meta.symbol,
    firstId: meta.firstId,
    lastId: meta.lastId,
    trades: meta.trades,
    bytes: messageBytes(sent, attributes),
    receivedAt: meta.receivedAt,
  };
}

/** Body plus attribute names and values, in UTF-8 bytes: what both services count toward their limits. */
export function messageBytes(body: string, attributes: Readonly<Record<string, string>>): number {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  return bytes;
}

export interface DecodeOptions {
  /** Refuse a gzip body that inflates past this many bytes. */
  readonly maxDecodedBytes?: number;
}

/**
 * Reads a received message back into a validated batch; throws CloudError BAD_MESSAGE naming what
 * is wrong (the encoding, or the batch field, with the core's TradeParseError as the cause).
 *
 * Synchronous on purpose: a consumer handles one message at a time and parses the JSON on its own
 * thread right after, so a thread-pool hop for a ~1 ms inflate would add latency and free nothing.
 */
export function decodeMessageBody(
  body: string,
  attributes: Readonly<Record<string, string | undefined>>,
  options: DecodeOptions = {},
): WireBatch {
  const encoding = attributes[CONTENT_ENCODING];
  let json: string;
  if (encoding === undefined || encoding === '') json = body;
  else if (encoding === GZIP) json = gunzipBase64(body, options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES);
  else {
    throw badMessage(`unknown ${CONTENT_ENCODING} ${JSON.stringify(encoding)}; expected "${GZIP}" or none`);
  }
  try {
    return decodeBatch(json);
  } catch (err) {
    if (err instanceof CoreError) throw badMessage(`bad batch body: ${err.message}`, err);
    throw err;
  }
}

function gunzipBase64(body: string, maxBytes: number): string {
  if (body.length % 4 !== 0 || !BASE64.test(body)) {
    throw badMessage(`${CONTENT_ENCODING} is ${GZIP} but the body is not valid base64`);
  }
  let inflated: Buffer;
  try {
    inflated = gunzipSync(Buffer.from(body, 'base64'), { maxOutputLength: maxBytes });
  } catch (err) {
    const why = err instanceof RangeError ? `inflates past ${maxBytes} bytes` : 'is not valid gzip';
    throw badMessage(`${CONTENT_ENCODING} is ${GZIP} but the body ${why}`, err);
  }
  try {
    return utf8.decode(inflated);
  } catch (err) {
    throw badMessage(`${CONTENT_ENCODING} is ${GZIP} but the inflated body is not UTF-8`, err);
  }
}

function badMessage(message: string, cause?: unknown): CloudError {
  return new CloudError('codec', 'BAD_MESSAGE', message, { cause });
}

const SPOOL_VERSION = 1;
const NEWLINE = 0x0a;

/**
 * A spool record: one line of JSON with the message's fields, the body's length and CRC-32, then
 * the body's raw UTF-8 bytes. The body stays unescaped (batch JSON is mostly quotes, which a JSON
 * string would double), and length plus checksum catch a torn or damaged file on read.
 */
export const spoolCodec = {
  encodeOutbound(m: OutboundMessage): Buffer {
    const body = Buffer.from(m.body, 'utf8');
    const header = {
      v: SPOOL_VERSION,
      symbol: m.symbol,
      firstId: m.firstId,
      lastId: m.lastId,
      trades: m.trades,
      bytes: m.bytes,
      receivedAt: m.receivedAt,
      attributes: m.attributes,
      bodyBytes: body.length,
      crc: crc32(body),
    };
    return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), body]);
  },

  decodeOutbound(b: Buffer): OutboundMessage {
    const end = b.indexOf(NEWLINE);
    if (end < 0) throw badSpool('no header line');
    const h = readHeader(b.subarray(0, end));
    const body = b.subarray(end + 1);
    if (body.length !== h.bodyBytes)
      throw badSpool(`body is ${body.length} bytes, header says ${h.bodyBytes}`);
    if (crc32(body) !== h.crc) throw badSpool('body checksum mismatch');
    let text: string;
    try {
      text = utf8.decode(body);
    } catch (err) {
      throw badSpool('body is not UTF-8', err);
    }
    const { symbol, firstId, lastId, trades, bytes, receivedAt, attributes } = h;
    return { body: text, attributes, symbol, firstId, lastId, trades, bytes, receivedAt };
  },
};

interface SpoolHeader {
  symbol: string;
  firstId: number;
  lastId: number;
  trades: number;
  bytes: number;
  receivedAt: number;
  attributes: Record<string, string>;
  bodyBytes: number;
  crc: number;
}

function readHeader(line: Buffer): SpoolHeader {
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(utf8.decode(line));
  } catch (err) {
    throw badSpool('header is not JSON', err);
  }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) throw badSpool('header is not an object');
  if (h.v !== SPOOL_VERSION) throw badSpool(`unsupported version ${JSON.stringify(h.v)}`);
  if (typeof h.symbol !== 'string' || h.symbol === '') throw badSpool('symbol is not a non-empty string');
  for (const field of ['firstId', 'lastId', 'trades', 'bytes', 'bodyBytes', 'crc'] as const) {
    if (!Number.isSafeInteger(h[field]) || (h[field] as number) < 0) {
      throw badSpool(`${field} is not a non-negative integer`);
    }
  }
  if (typeof h.receivedAt !== 'number' || !Number.isFinite(h.receivedAt)) {
    throw badSpool('receivedAt is not a number');
  }
  if ((h.lastId as number) < (h.firstId as number)) throw badSpool('lastId is below firstId');
  const attributes = h.attributes;
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw badSpool('attributes is not an object');
  }
  if (Object.values(attributes).some((v) => typeof v !== 'string')) {
    throw badSpool('attributes has a value that is not a string');
  }
  return h as unknown as SpoolHeader;
}

function badSpool(why: string, cause?: unknown): CloudError {
  return new CloudError('codec', 'BAD_MESSAGE', `spool record: ${why}`, { cause });
}
