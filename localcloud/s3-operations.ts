/**
 * Names the S3 operation of a path-style request, for routing in the front and for the fault
 * layer's per-operation rules and counts.
 */
import type http from 'node:http';

/** Query parameters that refine a listing or a read rather than naming a subresource. */
const PLAIN_PARAMETERS = new Set([
  'continuation-token',
  'delimiter',
  'encoding-type',
  'fetch-owner',
  'list-type',
  'marker',
  'max-keys',
  'prefix',
  'start-after',
  'partNumber',
  'versionId',
  // The JavaScript SDK names the operation in the query; S3 ignores it.
  'x-id',
]);

function hasSubresource(query: URLSearchParams): boolean {
  for (const name of query.keys()) {
    if (!PLAIN_PARAMETERS.has(name) && !name.startsWith('response-')) return true;
  }
  return false;
}

/**
 * The S3 operation a path-style request asks for, from method, path, query and headers; `Other`
 * for the many operations the pipeline does not use.
 */
export function s3Operation(method: string, url: string, headers: http.IncomingHttpHeaders): string {
  const { pathname, searchParams: query } = new URL(url, 'http://stand-in');
  const [bucket = '', ...rest] = pathname.slice(1).split('/');
  if (bucket === '') return method === 'GET' ? 'ListBuckets' : 'Other';
  if (rest.join('/') === '') return bucketOperation(method, query);
  return objectOperation(method, query, headers['x-amz-copy-source'] !== undefined);
}

function bucketOperation(method: string, query: URLSearchParams): string {
  if (method === 'POST') return query.has('delete') ? 'DeleteObjects' : 'Other';
  if (method === 'HEAD') return 'HeadBucket';
  if (hasSubresource(query)) return 'Other';
  if (method === 'PUT') return 'CreateBucket';
  if (method === 'DELETE') return 'DeleteBucket';
  if (method === 'GET') return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
  return 'Other';
}

function objectOperation(method: string, query: URLSearchParams, copy: boolean): string {
  switch (method) {
    case 'PUT':
      if (query.has('uploadId')) return copy ? 'Other' : 'UploadPart';
      if (hasSubresource(query)) return 'Other';
      return copy ? 'CopyObject' : 'PutObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      return query.has('uploadId') ? 'CompleteMultipartUpload' : 'Other';
    case 'DELETE':
      if (query.has('uploadId')) return 'AbortMultipartUpload';
      return hasSubresource(query) ? 'Other' : 'DeleteObject';
    case 'GET':
      return hasSubresource(query) ? 'Other' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    default:
      return 'Other';
  }
}
