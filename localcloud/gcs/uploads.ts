/**
 * objects.insert through `/upload/storage/v1/b/{bucket}/o`: `uploadType=media` (the body is the
 * object), `multipart` (JSON metadata, then the bytes) and `resumable` (resumable.ts). Bodies
 * stream into a staged body, hashed as they arrive; hashes the client sent (md5Hash and crc32c in
 * the metadata, or an X-Goog-Hash header) must match what arrived, or the upload is refused.
 */
import type { Digests, StagedBody } from './backend.js';
import { GcsError, invalid, notImplemented } from './errors.js';
import { checkObjectName, type ObjectRecord, parseUploadMetadata, type UploadMetadata } from './model.js';
import { boundaryOf, receiveMultipart } from './multipart.js';
import { writableOf } from './objects.js';
import { type Preconditions, preconditionsFrom } from './preconditions.js';
import type { GcsStore } from './store.js';
import { objectResource, type Request, sendJson } from './wire.js';

export async function simpleUpload(store: GcsStore, r: Request, bucket: string): Promise<void> {
  const type = r.query.get('uploadType');
  refuseUnsupported(r.query);
  store.bucket(bucket);
  const staged = await store.stage();
  let metadata: UploadMetadata;
  try {
    metadata = type === 'multipart' ? await receiveMultipartUpload(r, staged) : await receiveMedia(r, staged);
  } catch (err) {
    await staged.discard();
    throw err;
  }
  let name: string;
  try {
    name = objectName(r.query.get('name'), metadata.name);
  } catch (err) {
    await staged.discard();
    throw err;
  }
  const conditions = preconditionsFrom(r.query);
  const record = await commitUpload(
    store,
    staged,
    { bucket, name },
    metadata,
    conditions,
    r.req.headers['x-goog-hash'],
  );
  sendJson(r.res, 200, objectResource(record, r.base));
}

async function receiveMedia(r: Request, staged: StagedBody): Promise<UploadMetadata> {
  for await (const chunk of r.req) await staged.write(chunk as Buffer);
  return {
    contentType: r.req.headers['content-type'] || 'application/octet-stream',
    contentEncoding: r.query.get('contentEncoding') ?? undefined,
  };
}

async function receiveMultipartUpload(r: Request, staged: StagedBody): Promise<UploadMetadata> {
  const boundary = boundaryOf(r.req.headers['content-type']);
  const { metadata, dataType } = await receiveMultipart(r.req, boundary, staged);
  const parsed = parseUploadMetadata(metadata);
  return { ...parsed, contentType: parsed.contentType ?? dataType ?? 'application/octet-stream' };
}

/** Checks the hashes the client sent, then lands the object if its preconditions hold. */
export function commitUpload(
  store: GcsStore,
  staged: StagedBody,
  target: { bucket: string; name: string },
  metadata: UploadMetadata,
  conditions: Preconditions,
  hashHeader: string | string[] | undefined,
): Promise<ObjectRecord> {
  try {
    verifyHashes(staged.digests(), metadata, hashHeader);
  } catch (err) {
    return staged.discard().then(() => Promise.reject(err));
  }
  return store.writeObject(staged, target, writableOf(metadata), conditions);
}

/** The object's name from the query or the metadata; they must agree when both are given. */
export function objectName(fromQuery: string | null, fromMetadata: string | undefined): string {
  if (fromQuery !== null && fromMetadata !== undefined && fromQuery !== fromMetadata) {
    throw invalid(
      `The object name in the query (${fromQuery}) and in the metadata (${fromMetadata}) differ.`,
    );
  }
  const name = fromQuery ?? fromMetadata;
  if (name === undefined) throw new GcsError('required', 'Required parameter: name');
  checkObjectName(name);
  return name;
}

export function refuseUnsupported(query: URLSearchParams): void {
  if (query.has('predefinedAcl')) throw notImplemented('The predefinedAcl parameter (ACLs)');
  if (query.has('kmsKeyName')) throw notImplemented('Customer-managed encryption keys');
}

function verifyHashes(
  actual: Digests,
  metadata: UploadMetadata,
  header: string | string[] | undefined,
): void {
  const sent = hashHeader(header);
  const expected = [
    ['MD5', metadata.md5Hash ?? sent.md5, actual.md5Hash],
    ['CRC32C', metadata.crc32c ?? sent.crc32c, actual.crc32c],
  ] as const;
  for (const [kind, given, computed] of expected) {
    if (given !== undefined && given !== computed) {
      throw invalid(
        `Provided ${kind} hash "${given}" does not match the uploaded data's ${kind} hash "${computed}".`,
      );
    }
  }
}

function hashHeader(header: string | string[] | undefined): { md5?: string; crc32c?: string } {
  const out: { md5?: string; crc32c?: string } = {};
  for (const part of [header ?? []].flat().join(',').split(',')) {
    const at = part.indexOf('=');
    const kind = part.slice(0, at).trim().toLowerCase();
    if (at > 0 && (kind === 'md5' || kind === 'crc32c')) out[kind] = part.slice(at + 1).trim();
  }
  return out;
}
