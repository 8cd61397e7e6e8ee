/**
 * S3 conformance through the official SDK: the local stand-in by default, any endpoint with
 * CONFORMANCE_TARGET=external. Buckets and object round trips here; listing, conditional writes,
 * body handling, operation names and the stand-in's own controls in the s3-*.test.ts files beside
 * this one.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  NoSuchKey,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { rejectionOf, s3Suite, statusOf } from './s3-target.js';

const MiB = 1024 * 1024;
const suite = s3Suite();
const { bucket, put, read } = suite;

describe('S3 buckets and objects', () => {
  it('creates, heads and lists a bucket; a missing bucket is NotFound', async () => {
    await suite.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    const listed = await suite.s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((b) => b.Name)).toContain(bucket);
    const err = await rejectionOf(suite.s3.send(new HeadBucketCommand({ Bucket: `${bucket}-missing` })));
    expect(statusOf(err)).toBe(404);
  });

  it.each([0, 1, 5 * MiB])('round-trips %i bytes with content type and user metadata', async (size) => {
    const body = randomBytes(size);
    const key = `sizes/${size}.bin`;
    await put({
      Key: key,
      Body: body,
      ContentType: 'application/x-candles',
      Metadata: { symbol: 'BTCUSDT' },
    });
    const got = await suite.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(got.ContentType).toBe('application/x-candles');
    expect(got.Metadata).toEqual({ symbol: 'BTCUSDT' });
    expect(got.ContentLength).toBe(size);
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('stores the bytes the SDK meant for string and stream bodies (aws-chunked undone)', async () => {
    await put({ Key: 'bodies/string', Body: 'open,high,low,close\n' });
    expect((await read('bodies/string')).toString()).toBe('open,high,low,close\n');
    for (const size of [12, 9 * MiB]) {
      const body = randomBytes(size);
      const chunks = [body.subarray(0, 5), body.subarray(5)];
      await put({ Key: `bodies/stream-${size}`, Body: Readable.from(chunks), ContentLength: size });
      const head = await suite.s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: `bodies/stream-${size}` }),
      );
      expect(head.ContentLength).toBe(size);
      expect(head.ContentEncoding).toBeUndefined();
      expect((await read(`bodies/stream-${size}`)).equals(body)).toBe(true);
    }
  });

  it('serves a byte range', async () => {
    await put({ Key: 'range.txt', Body: '0123456789' });
    const got = await suite.s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'range.txt', Range: 'bytes=2-5' }),
    );
    expect(await got.Body!.transformToString()).toBe('2345');
    expect(got.ContentRange).toBe('bytes 2-5/10');
    expect(got.$metadata.httpStatusCode).toBe(206);
  });

  it('deletes objects singly and in batches; a missing key is NoSuchKey', async () => {
    await put({ Key: 'gone/1', Body: 'x' });
    await put({ Key: 'gone/2', Body: 'x' });
    await put({ Key: 'gone/3', Body: 'x' });
    await suite.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone/1' }));
    await suite.s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: [{ Key: 'gone/2' }, { Key: 'gone/3' }] },
      }),
    );
    const listed = await suite.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'gone/' }));
    expect(listed.KeyCount).toBe(0);
    const err = await rejectionOf(read('gone/1'));
    expect(err).toBeInstanceOf(NoSuchKey);
    expect(statusOf(err)).toBe(404);
    const head = await rejectionOf(suite.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'gone/1' })));
    expect(statusOf(head)).toBe(404);
  });

  it('copies an object with its metadata', async () => {
    await put({ Key: 'copy/src', Body: 'payload', ContentType: 'text/csv', Metadata: { v: '1' } });
    await suite.s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'copy/dst', CopySource: `${bucket}/copy/src` }),
    );
    const got = await suite.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'copy/dst' }));
    expect(await got.Body!.transformToString()).toBe('payload');
    expect(got.ContentType).toBe('text/csv');
    expect(got.Metadata).toEqual({ v: '1' });
  });

  it('assembles a multipart upload', async () => {
    const key = 'multipart/object';
    const parts = [randomBytes(5 * MiB), Buffer.from('tail')];
    const { UploadId } = await suite.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const etags: string[] = [];
    for (const [i, part] of parts.entries()) {
      const sent = await suite.s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: part }),
      );
      etags.push(sent.ETag!);
    }
    await suite.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    expect((await read(key)).equals(Buffer.concat(parts))).toBe(true);
  });
});
