/**
 * s3rver makes ListObjectsV2 continuation tokens with DES, which the OpenSSL 3 in current Node no
 * longer offers, so every truncated V2 listing would fail with InternalError. The front asks s3rver
 * for the marker-based V1 listing instead and answers in V2 form with tokens of its own.
 */
import type http from 'node:http';
import { type Forwarder, ProxyError } from './proxy.js';
import { backendLost, escapeXml, S3StandInError, writeS3Error } from './s3-errors.js';

/** Answers a ListObjectsV2 request from s3rver's V1 listing. */
export async function listObjectsV2(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  forwarder: Forwarder,
) {
  const { pathname, searchParams: query } = new URL(req.url ?? '/', 'http://stand-in');
  const token = query.get('continuation-token');
  const marker = token === null ? (query.get('start-after') ?? '') : markerOf(token);
  if (marker === undefined) {
    const err = new S3StandInError('InvalidArgument', 'The continuation token provided is incorrect');
    return writeS3Error(res, err);
  }
  const v1 = new URLSearchParams();
  for (const name of ['prefix', 'delimiter', 'max-keys']) {
    const value = query.get(name);
    if (value !== null) v1.set(name, value);
  }
  if (marker !== '') v1.set('marker', marker);
  let reply: Awaited<ReturnType<Forwarder['call']>>;
  try {
    reply = await forwarder.call('GET', `${pathname}?${v1}`, { host: req.headers.host });
  } catch (err) {
    if (!(err instanceof ProxyError)) throw err;
    return writeS3Error(res, backendLost(err));
  }
  const v2 = reply.status === 200 ? listingAsV2(reply.body.toString('utf8'), query, token) : reply.body;
  res.writeHead(reply.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(v2) });
  res.end(v2);
}

function listingAsV2(xml: string, query: URLSearchParams, token: string | null): string {
  let out = xml.replace(/<Marker>[^<]*<\/Marker>/, '').replace(/<NextMarker>[^<]*<\/NextMarker>/, '');
  if (query.get('fetch-owner') !== 'true') out = out.replace(/<Owner>.*?<\/Owner>/gs, '');
  const keys = [...out.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => unescapeXml(m[1]!));
  const prefixes = [...out.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix>/g)].map((m) =>
    unescapeXml(m[1]!),
  );
  const fields = [`<KeyCount>${keys.length + prefixes.length}</KeyCount>`];
  if (token !== null) fields.push(`<ContinuationToken>${escapeXml(token)}</ContinuationToken>`);
  const startAfter = query.get('start-after');
  if (token === null && startAfter !== null) fields.push(`<StartAfter>${escapeXml(startAfter)}</StartAfter>`);
  if (/<IsTruncated>true<\/IsTruncated>/.test(out)) {
    // Past every key under a prefix already reported, so the next page does not report it again.
    const pastPrefix = prefixes.length === 0 ? '' : `${prefixes[prefixes.length - 1]}\uffff`;
    const lastKey = keys[keys.length - 1] ?? '';
    fields.push(
      `<NextContinuationToken>${tokenOf(lastKey > pastPrefix ? lastKey : pastPrefix)}</NextContinuationToken>`,
    );
  }
  return out.replace('</ListBucketResult>', `${fields.join('')}</ListBucketResult>`);
}

const TOKEN_TAG = 'stand-in:';

function tokenOf(marker: string): string {
  return Buffer.from(`${TOKEN_TAG}${marker}`, 'utf8').toString('base64url');
}

function markerOf(token: string): string | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  return text.startsWith(TOKEN_TAG) ? text.slice(TOKEN_TAG.length) : undefined;
}

function unescapeXml(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return named[ref] ?? whole;
  });
}
