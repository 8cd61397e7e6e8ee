/**
 * The JSON side of the stand-in: reading request bodies and query parameters, writing JSON
 * answers, and the bucket and object resources as the JSON API shapes them (numbers that may
 * exceed 2^53 as strings, links pointing back at this host).
 */
import type http from 'node:http';
import { BodyTooLargeError, readBody } from '../http-service.js';
import { GcsError, invalid } from './errors.js';
import type { BucketRecord, ObjectRecord } from './model.js';

/** Room for any metadata body: the service caps custom metadata at 8 KiB. */
const MAX_JSON_BYTES = 1024 * 1024;

export interface Request {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly query: URLSearchParams;
  /** `http://host:port` as the client addressed this stand-in, for links in resources. */
  readonly base: string;
}

export function requestOf(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  fallbackBase: string,
): Request {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const host = req.headers.host;
  return { req, res, query, base: host === undefined ? fallbackBase : `http://${host}` };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** A JSON request body; an empty body is `{}`. */
export async function readJson(req: http.IncomingMessage): Promise<unknown> {
  let body: Buffer;
  try {
    body = await readBody(req, MAX_JSON_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      throw new GcsError('uploadTooLarge', `The request body exceeds ${MAX_JSON_BYTES} bytes.`);
    }
    throw err;
  }
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new GcsError('badRequest', 'The request body is not valid JSON.');
  }
}

/** A non-negative integer query parameter, or undefined when absent. */
export function integerParam(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  if (!/^\d{1,19}$/.test(text)) throw invalid(`Invalid value for ${name}: ${JSON.stringify(text)}`);
  return Number(text);
}

export function objectResource(r: ObjectRecord, base: string): Record<string, unknown> {
  const path = `b/${r.bucket}/o/${encodeURIComponent(r.name)}`;
  return {
    kind: 'storage#object',
    id: `${r.bucket}/${r.name}/${r.generation}`,
    selfLink: `${base}/storage/v1/${path}`,
    mediaLink: `${base}/download/storage/v1/${path}?generation=${r.generation}&alt=media`,
    name: r.name,
    bucket: r.bucket,
    generation: String(r.generation),
    metageneration: String(r.metageneration),
    contentType: r.contentType,
    contentEncoding: r.contentEncoding,
    contentDisposition: r.contentDisposition,
    contentLanguage: r.contentLanguage,
    cacheControl: r.cacheControl,
    storageClass: 'STANDARD',
    size: String(r.size),
    md5Hash: r.md5Hash,
    crc32c: r.crc32c,
    etag: etagOf(r.generation, r.metageneration),
    timeCreated: r.timeCreated,
    updated: r.updated,
    timeStorageClassUpdated: r.timeCreated,
    timeFinalized: r.timeCreated,
    metadata: r.metadata,
  };
}

export function bucketResource(b: BucketRecord, base: string): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    selfLink: `${base}/storage/v1/b/${b.name}`,
    id: b.name,
    name: b.name,
    metageneration: String(b.metageneration),
    location: b.location,
    locationType: b.location.includes('-') ? 'region' : 'multi-region',
    storageClass: b.storageClass,
    etag: etagOf(0, b.metageneration),
    timeCreated: b.timeCreated,
    updated: b.updated,
    labels: b.labels,
  };
}

/** Opaque, and different for every generation and metageneration, as the service's are. */
export function etagOf(generation: number, metageneration: number): string {
  return Buffer.from(`${generation}/${metageneration}`).toString('base64url');
}
