/**
 * Which JSON API method a request is, from its method and path alone. The client sends the JSON
 * API under `/storage/v1` when given an apiEndpoint, and without that prefix when it reads
 * STORAGE_EMULATOR_HOST; uploads go to `/upload/storage/v1`, and media links point at
 * `/download/storage/v1`. Path segments are percent-decoded one by one, so an object name's
 * slashes arrive as %2F inside one segment.
 *
 * Methods the stand-in does not serve still get their API name, for the counts and for the 501
 * that names them.
 */

export type ServedMethod =
  | 'buckets.list'
  | 'buckets.insert'
  | 'buckets.get'
  | 'buckets.patch'
  | 'buckets.delete'
  | 'objects.list'
  | 'objects.get'
  | 'objects.patch'
  | 'objects.delete'
  | 'objects.insert'
  | 'objects.insert.chunk'
  | 'objects.insert.cancel'
  | 'objects.rewrite'
  | 'objects.copy';

export interface Route {
  /** The API method, the name requests are counted under. */
  readonly operation: string;
  /** Set when the stand-in serves the method; otherwise the answer is 501. */
  readonly served?: ServedMethod;
  readonly bucket?: string;
  readonly object?: string;
  readonly destinationBucket?: string;
  readonly destinationObject?: string;
  /** A `/download/...` request: the object's bytes whatever `alt` says. */
  readonly media?: boolean;
}

const BUCKET_SUBRESOURCES: Record<string, string> = {
  acl: 'bucketAccessControls',
  defaultObjectAcl: 'defaultObjectAccessControls',
  iam: 'buckets.iam',
  notificationConfigs: 'notifications',
  lockRetentionPolicy: 'buckets.lockRetentionPolicy',
  managedFolders: 'managedFolders',
  folders: 'folders',
  anywhereCaches: 'anywhereCaches',
  operations: 'operations',
  restore: 'buckets.restore',
};

const OBJECT_SUBRESOURCES: Record<string, string> = {
  acl: 'objectAccessControls',
  compose: 'objects.compose',
  moveTo: 'objects.move',
  restore: 'objects.restore',
  bulkRestore: 'objects.bulkRestore',
};

export function routeOf(method: string, url: string): Route {
  const query = url.indexOf('?');
  const raw = (query < 0 ? url : url.slice(0, query)).split('/').slice(1);
  let segments: string[];
  try {
    segments = raw.map((s) => decodeURIComponent(s));
  } catch {
    return { operation: 'invalidPath' };
  }
  const [first, second, third] = segments;
  if (second === 'storage' && third === 'v1') {
    if (first === 'upload') return uploadRoute(method, segments.slice(3));
    if (first === 'download') return downloadRoute(method, segments.slice(3));
    if (first === 'batch') return { operation: 'batch' };
  }
  if (first === 'storage' && second === 'v1') return apiRoute(method, segments.slice(2));
  if (first === 'b' || first === 'projects' || first === 'channels') return apiRoute(method, segments);
  return { operation: 'xmlApi' };
}

function apiRoute(method: string, s: string[]): Route {
  if (s[0] === 'projects') return { operation: s[2] === 'hmacKeys' ? 'hmacKeys' : 'projects.serviceAccount' };
  if (s[0] === 'channels') return { operation: 'channels.stop' };
  if (s[0] !== 'b') return { operation: 'unknown' };
  if (s.length === 1) {
    if (method === 'GET') return served('buckets.list');
    if (method === 'POST') return served('buckets.insert');
  }
  const bucket = s[1]!;
  if (s.length === 2) return bucketRoute(method, bucket);
  if (s[2] !== 'o') return { operation: BUCKET_SUBRESOURCES[s[2]!] ?? 'unknown', bucket };
  if (s.length === 3) {
    if (method === 'GET') return served('objects.list', bucket);
    return { operation: method === 'POST' ? 'objects.insert.metadataOnly' : 'unknown', bucket };
  }
  const object = s[3]!;
  if (s.length === 4) {
    if (object === 'watch' && method === 'POST') return { operation: 'objects.watchAll', bucket };
    return objectRoute(method, bucket, object);
  }
  const verb = s[4]!;
  if ((verb === 'rewriteTo' || verb === 'copyTo') && method === 'POST' && s.length === 9) {
    if (s[5] === 'b' && s[7] === 'o') {
      return {
        ...served(verb === 'rewriteTo' ? 'objects.rewrite' : 'objects.copy', bucket, object),
        destinationBucket: s[6]!,
        destinationObject: s[8]!,
      };
    }
  }
  return { operation: OBJECT_SUBRESOURCES[verb] ?? 'unknown', bucket, object };
}

function bucketRoute(method: string, bucket: string): Route {
  if (method === 'GET') return served('buckets.get', bucket);
  if (method === 'PATCH') return served('buckets.patch', bucket);
  if (method === 'DELETE') return served('buckets.delete', bucket);
  return { operation: method === 'PUT' ? 'buckets.update' : 'unknown', bucket };
}

function objectRoute(method: string, bucket: string, object: string): Route {
  if (method === 'GET') return served('objects.get', bucket, object);
  if (method === 'PATCH') return served('objects.patch', bucket, object);
  if (method === 'DELETE') return served('objects.delete', bucket, object);
  return { operation: method === 'PUT' ? 'objects.update' : 'unknown', bucket, object };
}

function uploadRoute(method: string, s: string[]): Route {
  if (s.length !== 3 || s[0] !== 'b' || s[2] !== 'o') return { operation: 'unknown' };
  const bucket = s[1]!;
  if (method === 'POST') return served('objects.insert', bucket);
  if (method === 'PUT') return served('objects.insert.chunk', bucket);
  if (method === 'DELETE') return served('objects.insert.cancel', bucket);
  return { operation: 'unknown', bucket };
}

function downloadRoute(method: string, s: string[]): Route {
  if (method !== 'GET' || s.length !== 4 || s[0] !== 'b' || s[2] !== 'o') return { operation: 'unknown' };
  return { ...served('objects.get', s[1]!, s[3]!), media: true };
}

function served(method: ServedMethod, bucket?: string, object?: string): Route {
  return { operation: method, served: method, bucket, object };
}
