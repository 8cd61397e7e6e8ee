/**
 * Object media (`alt=media`, or the `/download/...` links): the bytes with the headers the client
 * reads to check them (x-goog-hash with crc32c and md5, x-goog-stored-content-encoding), one byte
 * range on request (206), and decompressive transcoding: a gzip-encoded object is sent as stored
 * to a client that accepts gzip and decompressed for one that does not, where ranges are ignored.
 */
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { BodySource } from './backend.js';
import { GcsError } from './errors.js';
import type { ObjectRecord } from './model.js';
import { objectRef, openLive } from './objects.js';
import { preconditionsFrom } from './preconditions.js';
import type { Route } from './routes.js';
import type { GcsStore } from './store.js';
import { etagOf, type Request } from './wire.js';

interface Plan {
  /** First and last byte to send; last < first for an empty body. */
  readonly start: number;
  readonly end: number;
  readonly partial: boolean;
  readonly transcode: boolean;
}

export async function download(store: GcsStore, r: Request, route: Route): Promise<void> {
  let plan: Plan | undefined;
  const { record, body } = await openLive(
    store,
    objectRef(route, r.query),
    preconditionsFrom(r.query),
    'read',
    (rec) => {
      plan = planFor(rec, r.req.headers);
      return [plan.start, plan.end];
    },
  );
  if (plan === undefined) throw new GcsError('internalError', 'No download plan.');
  const headers = headersFor(record, plan);
  if (plan.transcode) {
    r.res.writeHead(200, headers);
    await send(r.res, body, true);
    return;
  }
  headers['content-length'] = String(Math.max(plan.end - plan.start + 1, 0));
  if (plan.partial) headers['content-range'] = `bytes ${plan.start}-${plan.end}/${record.size}`;
  r.res.writeHead(plan.partial ? 206 : 200, headers);
  await send(r.res, body, false);
}

function planFor(record: ObjectRecord, headers: http.IncomingHttpHeaders): Plan {
  const whole = { start: 0, end: record.size - 1, partial: false };
  const transcode =
    record.contentEncoding === 'gzip' &&
    !/\bgzip\b/.test(String(headers['accept-encoding'] ?? '')) &&
    !/\bno-transform\b/.test(record.cacheControl ?? '');
  if (transcode) return { ...whole, transcode };
  const range = parseRange(headers.range, record.size);
  return { ...(range ?? whole), transcode };
}

/** One `bytes=` range, clipped to the object; undefined (the whole object) for anything else. */
function parseRange(header: string | undefined, size: number): Omit<Plan, 'transcode'> | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (match === null || (match[1] === '' && match[2] === '')) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw unsatisfiable(size);
    return { start: Math.max(size - suffix, 0), end: size - 1, partial: true };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) throw unsatisfiable(size);
  return { start, end, partial: true };
}

function unsatisfiable(size: number): GcsError {
  return new GcsError(
    'requestedRangeNotSatisfiable',
    `The requested range cannot be satisfied for an object of ${size} bytes.`,
  );
}

function headersFor(record: ObjectRecord, plan: Plan): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': record.contentType ?? 'application/octet-stream',
    'accept-ranges': 'bytes',
    etag: `"${etagOf(record.generation, record.metageneration)}"`,
    'last-modified': new Date(record.updated).toUTCString(),
    'x-goog-generation': String(record.generation),
    'x-goog-metageneration': String(record.metageneration),
    'x-goog-stored-content-encoding': record.contentEncoding ?? 'identity',
    'x-goog-stored-content-length': String(record.size),
    'x-goog-hash': `crc32c=${record.crc32c},md5=${record.md5Hash}`,
    'x-goog-storage-class': 'STANDARD',
  };
  if (record.contentEncoding !== undefined && !plan.transcode) {
    headers['content-encoding'] = record.contentEncoding;
  }
  if (record.cacheControl !== undefined) headers['cache-control'] = record.cacheControl;
  if (record.contentDisposition !== undefined) headers['content-disposition'] = record.contentDisposition;
  if (record.contentLanguage !== undefined) headers['content-language'] = record.contentLanguage;
  for (const [key, value] of Object.entries(record.metadata ?? {})) {
    // Custom metadata rides along as x-goog-meta-* headers; only header-safe values can.
    if (/^[\x20-\x7e]*$/.test(value) && /^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(key)) {
      headers[`x-goog-meta-${key}`] = value;
    }
  }
  return headers;
}

async function send(res: http.ServerResponse, body: BodySource, gunzip: boolean): Promise<void> {
  if (!gunzip && Buffer.isBuffer(body)) {
    res.end(body);
    return;
  }
  const source = Buffer.isBuffer(body) ? [body] : body;
  try {
    if (gunzip) await pipeline(source, createGunzip(), res);
    else await pipeline(source, res);
  } catch {
    // The client went away, or the stored bytes were not gzip; either way the answer is cut short.
    res.destroy();
  }
}
