/**
 * The bucket methods: insert, get, list, patch (labels) and delete. Buckets belong to the project
 * they were created in, and list by it. The stand-in has one location and one storage class per
 * bucket as given at creation, and no bucket features beyond labels; asking for one is a 501.
 */
import { GcsError, notImplemented } from './errors.js';
import { asObject, type BucketRecord, patchedLabels } from './model.js';
import { checkRead, checkWrite, type Preconditions, preconditionsFrom } from './preconditions.js';
import type { GcsStore } from './store.js';
import { bucketResource, integerParam, type Request, readJson, sendJson } from './wire.js';

const DEFAULT_PAGE = 1000;
const READ_ONLY = new Set(['kind', 'id', 'selfLink', 'metageneration', 'etag', 'timeCreated', 'updated']);

export async function insertBucket(store: GcsStore, r: Request): Promise<void> {
  const project = requiredProject(r);
  refuseAcls(r.query);
  const body = asObject(await readJson(r.req), 'the bucket');
  const name = body.name;
  if (typeof name !== 'string') throw new GcsError('required', 'Required field: name');
  let labels: Record<string, string> | undefined;
  let location = 'US';
  for (const [key, value] of Object.entries(body)) {
    if (key === 'name' || READ_ONLY.has(key) || value === null) continue;
    if (key === 'labels') labels = patchedLabels(undefined, value);
    else if (key === 'location' && typeof value === 'string') location = value.toUpperCase();
    else if (!(key === 'storageClass' && value === 'STANDARD')) {
      throw notImplemented(`The bucket field "${key}"`);
    }
  }
  const now = new Date().toISOString();
  const record: BucketRecord = {
    name,
    project,
    metageneration: 1,
    timeCreated: now,
    updated: now,
    location,
    storageClass: 'STANDARD',
    labels,
  };
  sendJson(r.res, 200, bucketResource(await store.createBucket(record), r.base));
}

export function getBucket(store: GcsStore, r: Request, bucket: string): void {
  const record = store.bucket(bucket);
  checkRead(bucketConditions(r.query), { generation: 0, metageneration: record.metageneration });
  sendJson(r.res, 200, bucketResource(record, r.base));
}

export function listBuckets(store: GcsStore, r: Request): void {
  const project = requiredProject(r);
  const prefix = r.query.get('prefix') ?? '';
  const max = Math.min(integerParam(r.query, 'maxResults') || DEFAULT_PAGE, DEFAULT_PAGE);
  const after = decodeToken(r.query.get('pageToken'));
  const matching = store
    .bucketsOf(project)
    .filter((b) => b.name.startsWith(prefix) && (after === undefined || b.name > after));
  const page = matching.slice(0, max);
  const more = matching.length > max;
  sendJson(r.res, 200, {
    kind: 'storage#buckets',
    items: page.map((b) => bucketResource(b, r.base)),
    nextPageToken: more ? encodeToken(page[page.length - 1]!.name) : undefined,
  });
}

export async function patchBucket(store: GcsStore, r: Request, bucket: string): Promise<void> {
  refuseAcls(r.query);
  const body = asObject(await readJson(r.req), 'the bucket patch');
  const conditions = bucketConditions(r.query);
  const record = await store.updateBucket(bucket, (current) => {
    checkWrite(conditions, { generation: 0, metageneration: current.metageneration });
    let labels = current.labels;
    for (const [key, value] of Object.entries(body)) {
      if (key === 'labels') labels = patchedLabels(labels, value);
      else if (!READ_ONLY.has(key) && key !== 'name' && key !== 'location' && key !== 'storageClass') {
        throw notImplemented(`Patching the bucket field "${key}"`);
      }
    }
    return {
      ...current,
      labels,
      metageneration: current.metageneration + 1,
      updated: new Date().toISOString(),
    };
  });
  sendJson(r.res, 200, bucketResource(record, r.base));
}

export async function deleteBucket(store: GcsStore, r: Request, bucket: string): Promise<void> {
  const conditions = bucketConditions(r.query);
  await store.deleteBucket(bucket, (current) =>
    checkWrite(conditions, { generation: 0, metageneration: current.metageneration }),
  );
  r.res.writeHead(204).end();
}

/** Buckets have metagenerations only; generation conditions do not apply to them. */
function bucketConditions(query: URLSearchParams): Preconditions {
  const { ifMetagenerationMatch, ifMetagenerationNotMatch } = preconditionsFrom(query);
  return { ifMetagenerationMatch, ifMetagenerationNotMatch };
}

function requiredProject(r: Request): string {
  const project = r.query.get('project');
  if (project === null || project === '') throw new GcsError('required', 'Required parameter: project');
  return project;
}

function refuseAcls(query: URLSearchParams): void {
  for (const name of ['predefinedAcl', 'predefinedDefaultObjectAcl']) {
    if (query.has(name)) throw notImplemented(`The ${name} parameter (ACLs)`);
  }
}

function encodeToken(name: string): string {
  return Buffer.from(name).toString('base64url');
}

function decodeToken(token: string | null): string | undefined {
  return token === null || token === '' ? undefined : Buffer.from(token, 'base64url').toString('utf8');
}
