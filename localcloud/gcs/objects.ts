/**
 * The object methods on metadata and whole objects: get (metadata; media goes to download.ts),
 * patch, delete, and the two copies, rewrite and copyTo. A rewrite finishes in one call, as the
 * service's does within one location.
 */
import { BodyGoneError, type BodySource, type StagedBody } from './backend.js';
import { notImplemented } from './errors.js';
import {
  asObject,
  checkObjectName,
  type ObjectRecord,
  parseUploadMetadata,
  patchedFields,
  type WritableFields,
} from './model.js';
import { checkRead, checkWrite, type Preconditions, preconditionsFrom } from './preconditions.js';
import type { Route } from './routes.js';
import type { GcsStore, ObjectRef } from './store.js';
import { integerParam, objectResource, type Request, readJson, sendJson } from './wire.js';

const WRITABLE: readonly (keyof WritableFields)[] = [
  'contentType',
  'contentEncoding',
  'contentDisposition',
  'contentLanguage',
  'cacheControl',
  'metadata',
];

/** How often to look an object up again when its generation is replaced while being opened. */
const OPEN_ATTEMPTS = 5;

export function objectRef(route: Route, query: URLSearchParams, generationParam = 'generation'): ObjectRef {
  return { bucket: route.bucket!, name: route.object!, generation: integerParam(query, generationParam) };
}

export function getMetadata(store: GcsStore, r: Request, route: Route): void {
  const record = store.object(objectRef(route, r.query));
  checkRead(preconditionsFrom(r.query), record);
  sendJson(r.res, 200, objectResource(record, r.base));
}

export async function patchObject(store: GcsStore, r: Request, route: Route): Promise<void> {
  refuseAcl(r.query, 'predefinedAcl');
  const body = await readJson(r.req);
  const record = await store.patchObject(objectRef(route, r.query), preconditionsFrom(r.query), (current) =>
    patchedFields(current, body),
  );
  sendJson(r.res, 200, objectResource(record, r.base));
}

export async function deleteObject(store: GcsStore, r: Request, route: Route): Promise<void> {
  await store.deleteObject(objectRef(route, r.query), preconditionsFrom(r.query));
  r.res.writeHead(204).end();
}

/** objects.rewrite and objects.copy: the destination takes the body's metadata, or the source's. */
export async function copyObject(store: GcsStore, r: Request, route: Route): Promise<void> {
  refuseAcl(r.query, 'destinationPredefinedAcl');
  if (r.query.has('destinationKmsKeyName')) throw notImplemented('Customer-managed encryption keys');
  const overrides = writableOf(parseUploadMetadata(asObject(await readJson(r.req), 'the object')));
  const destination = { bucket: route.destinationBucket!, name: route.destinationObject! };
  checkObjectName(destination.name);
  store.bucket(destination.bucket);
  const sourceRef = objectRef(route, r.query, 'sourceGeneration');
  const { record: source, body } = await openLive(
    store,
    sourceRef,
    preconditionsFrom(r.query, true),
    'write',
  );
  const staged = await store.stage();
  try {
    await stageFrom(staged, body);
  } catch (err) {
    await staged.discard();
    throw err;
  }
  const fields = Object.keys(overrides).length > 0 ? overrides : writableOf(source);
  const record = await store.writeObject(staged, destination, fields, preconditionsFrom(r.query));
  const resource = objectResource(record, r.base);
  if (route.served === 'objects.copy') {
    sendJson(r.res, 200, resource);
    return;
  }
  sendJson(r.res, 200, {
    kind: 'storage#rewriteResponse',
    totalBytesRewritten: String(record.size),
    objectSize: String(record.size),
    done: true,
    resource,
  });
}

/**
 * The live object and an open reader over `[start, end]` (the whole body by default). An
 * overwrite between the lookup and the open replaces the generation; the lookup is then repeated.
 */
export async function openLive(
  store: GcsStore,
  ref: ObjectRef,
  conditions: Preconditions,
  kind: 'read' | 'write',
  range?: (record: ObjectRecord) => readonly [number, number],
): Promise<{ record: ObjectRecord; body: BodySource }> {
  for (let attempt = 1; ; attempt++) {
    const record = store.object(ref);
    if (kind === 'read') checkRead(conditions, record);
    else checkWrite(conditions, record);
    const [start, end] = range === undefined ? [0, record.size - 1] : range(record);
    try {
      return { record, body: await store.openBody(record, start, end) };
    } catch (err) {
      if (!(err instanceof BodyGoneError) || attempt >= OPEN_ATTEMPTS) throw err;
    }
  }
}

export async function stageFrom(staged: StagedBody, body: BodySource): Promise<void> {
  if (Buffer.isBuffer(body)) {
    if (body.length > 0) await staged.write(body);
    return;
  }
  for await (const chunk of body) await staged.write(chunk as Buffer);
}

export function writableOf(fields: WritableFields): WritableFields {
  const out: Record<string, unknown> = {};
  for (const key of WRITABLE) if (fields[key] !== undefined) out[key] = fields[key];
  return out as WritableFields;
}

function refuseAcl(query: URLSearchParams, name: string): void {
  if (query.has(name)) throw notImplemented(`The ${name} parameter (ACLs)`);
}
