/**
 * s3Operation names each request for routing and for the fault layer's per-operation counts, so a
 * wrong name would send a write past the front's checks or miscount it.
 */
import { describe, expect, it } from 'vitest';
import { s3Operation } from '../../localcloud/s3.js';
import { external } from './aws-target.js';

describe.skipIf(external)('S3 stand-in operation names', () => {
  it('names the S3 operation of each request', () => {
    const cases: [string, string, Record<string, string>, string][] = [
      ['GET', '/', {}, 'ListBuckets'],
      ['PUT', '/b', {}, 'CreateBucket'],
      ['HEAD', '/b', {}, 'HeadBucket'],
      ['DELETE', '/b/', {}, 'DeleteBucket'],
      ['GET', '/b?list-type=2&prefix=a%2F&max-keys=2', {}, 'ListObjectsV2'],
      ['GET', '/b?prefix=a', {}, 'ListObjects'],
      ['GET', '/b?location', {}, 'Other'],
      ['POST', '/b?delete', {}, 'DeleteObjects'],
      ['PUT', '/b/k/x.bin?x-id=PutObject', {}, 'PutObject'],
      ['PUT', '/b/k', { 'x-amz-copy-source': 'b/j' }, 'CopyObject'],
      ['GET', '/b/k?x-id=GetObject&response-content-type=text%2Fplain', {}, 'GetObject'],
      ['HEAD', '/b/k', {}, 'HeadObject'],
      ['DELETE', '/b/k', {}, 'DeleteObject'],
      ['POST', '/b/k?uploads', {}, 'CreateMultipartUpload'],
      ['PUT', '/b/k?partNumber=1&uploadId=u', {}, 'UploadPart'],
      ['POST', '/b/k?uploadId=u', {}, 'CompleteMultipartUpload'],
      ['DELETE', '/b/k?uploadId=u', {}, 'AbortMultipartUpload'],
      ['PUT', '/b/k?tagging', {}, 'Other'],
    ];
    for (const [method, url, headers, expected] of cases) {
      expect(`${method} ${url} -> ${s3Operation(method, url, headers)}`).toBe(
        `${method} ${url} -> ${expected}`,
      );
    }
  });
});
