/**
 * Conditional writes (If-None-Match, If-Match), which the pipeline's create-only archive writes
 * depend on and s3rver ignores; the stand-in's front supplies them.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { external } from './aws-target.js';
import { rejectionOf, s3Suite, statusOf } from './s3-target.js';

const suite = s3Suite();
const { bucket, put, read } = suite;

describe('S3 conditional writes', () => {
  it('refuses a second create-only put with 412 PreconditionFailed and keeps the first body', async () => {
    await put({ Key: 'create-only/one', Body: 'first', IfNoneMatch: '*' });
    const err = await rejectionOf(put({ Key: 'create-only/one', Body: 'second', IfNoneMatch: '*' }));
    expect(err.name).toBe('PreconditionFailed');
    expect(statusOf(err)).toBe(412);
    expect((await read('create-only/one')).toString()).toBe('first');
  });

  it('lets exactly one of several concurrent create-only puts win', async () => {
    const bodies = Array.from({ length: 8 }, (_, i) => `writer ${i}`);
    const results = await Promise.allSettled(
      bodies.map((Body) => put({ Key: 'create-only/race', Body, IfNoneMatch: '*' })),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [bodies[i]] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) {
      // Real S3 may also answer a loser with 409 ConditionalRequestConflict.
      if (r.status === 'rejected') expect([409, 412]).toContain(statusOf(r.reason));
    }
    expect((await read('create-only/race')).toString()).toBe(winners[0]);
  });

  it('applies If-Match against the current ETag', async () => {
    const first = await put({ Key: 'if-match/obj', Body: 'v1' });
    await put({ Key: 'if-match/obj', Body: 'v2', IfMatch: first.ETag! });
    const err = await rejectionOf(put({ Key: 'if-match/obj', Body: 'v3', IfMatch: first.ETag! }));
    expect(statusOf(err)).toBe(412);
    expect((await read('if-match/obj')).toString()).toBe('v2');
  });

  it('refuses a create-only multipart completion when the key exists', async () => {
    const key = 'create-only/multipart';
    await put({ Key: key, Body: 'already here' });
    const { UploadId } = await suite.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const part = await suite.s3.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'new' }),
    );
    const err = await rejectionOf(
      suite.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [{ ETag: part.ETag!, PartNumber: 1 }] },
        }),
      ),
    );
    expect(statusOf(err)).toBe(412);
    expect((await read(key)).toString()).toBe('already here');
    await suite.s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
    const again = await rejectionOf(
      suite.s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: 'late' }),
      ),
    );
    expect(statusOf(again)).toBe(404);
  });
});

describe.skipIf(external)('S3 stand-in protocol gaps it closes', () => {
  it('answers If-Match on a missing key with 404 NoSuchKey, as S3 documents', async () => {
    const err = await rejectionOf(put({ Key: 'raw/never-written', Body: 'x', IfMatch: '"0123"' }));
    expect(statusOf(err)).toBe(404);
    expect(err.name).toBe('NoSuchKey');
  });
});
