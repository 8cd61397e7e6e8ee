/**
 * The S3 stand-in's own controls: injected faults, request counts and restarts on a kept data
 * directory. They need the stand-in itself, so they run only locally.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../localcloud/aws-local.js';
import { FaultController } from '../../localcloud/faults.js';
import { startS3 } from '../../localcloud/s3.js';
import { external } from './aws-target.js';
import { rejectionOf, s3Suite, statusOf } from './s3-target.js';

const suite = s3Suite();
const { bucket, clientFor, put, read } = suite;

describe.skipIf(external)('S3 stand-in controls', () => {
  afterEach(() => {
    suite.target.faults?.reset();
  });

  it('answers injected throttling with 503 SlowDown, which the SDK retries', async () => {
    const faults = suite.target.faults!;
    faults.resetCounts();
    faults.set('s3', { failureRate: 1, failureKind: 'throttle' });
    const client = clientFor(suite.target.endpoint, { maxAttempts: 3 });
    const err = await rejectionOf(read('sizes/1.bin', client));
    client.destroy();
    expect(err.name).toBe('SlowDown');
    expect(err.$metadata).toMatchObject({ httpStatusCode: 503, attempts: 3 });
    expect(faults.total('s3', 'GetObject')).toBe(3);
  });

  it('recovers from one injected SlowDown by retrying', async () => {
    // The first decision fails, every later one passes.
    const draws = [0];
    const faults = new FaultController({ random: () => draws.shift() ?? 0.99 });
    faults.set('s3', { failureRate: 0.5, failureKind: 'throttle' });
    const running = await startS3(faults, {});
    const client = clientFor(running.url);
    try {
      const made = await client.send(new CreateBucketCommand({ Bucket: 'retried' }));
      expect(made.$metadata.attempts).toBe(2);
      expect(faults.total('s3', 'CreateBucket')).toBe(2);
    } finally {
      client.destroy();
      await running.close();
    }
  });

  it('answers injected server errors with 500 InternalError', async () => {
    suite.target.faults?.set('s3', { failureRate: 1, failureKind: 'server' });
    const client = clientFor(suite.target.endpoint, { maxAttempts: 1 });
    const err = await rejectionOf(client.send(new HeadBucketCommand({ Bucket: bucket })));
    client.destroy();
    expect(statusOf(err)).toBe(500);
  });

  it('refuses connections while down and serves again on the same port once up', async () => {
    const faults = suite.target.faults!;
    faults.set('s3', { down: true });
    const client = clientFor(suite.target.endpoint, { maxAttempts: 1 });
    const err = await rejectionOf(client.send(new HeadBucketCommand({ Bucket: bucket })));
    expect(err.code ?? err.name).toBe('ECONNREFUSED');
    faults.set('s3', { down: false });
    const again = clientFor(suite.target.endpoint);
    await again.send(new HeadBucketCommand({ Bucket: bucket }));
    client.destroy();
    again.destroy();
  });

  it('counts requests by operation, the front’s own existence checks excluded', async () => {
    const faults = suite.target.faults!;
    faults.resetCounts();
    await put({ Key: 'count/a', Body: 'a', IfNoneMatch: '*' });
    await read('count/a');
    await suite.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'count/a' }));
    await suite.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'count/' }));
    await suite.s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: 'count/b', CopySource: `${bucket}/count/a` }),
    );
    await suite.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'count/b' }));
    expect(faults.counts().s3).toEqual({
      PutObject: 1,
      GetObject: 1,
      HeadObject: 1,
      ListObjectsV2: 1,
      CopyObject: 1,
      DeleteObject: 1,
    });
  });

  it('keeps buckets and objects across a restart on the same data directory', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 's3-standin-'));
    const faults = new FaultController();
    const clientOf = (url: string) =>
      new S3Client({
        endpoint: url,
        region: LOCAL_REGION,
        forcePathStyle: true,
        credentials: { ...LOCAL_CREDENTIALS },
      });
    try {
      const first = await startS3(faults, { dataDir });
      const before = clientOf(first.url);
      await before.send(new CreateBucketCommand({ Bucket: 'kept' }));
      await before.send(new PutObjectCommand({ Bucket: 'kept', Key: 'k', Body: 'survives' }));
      before.destroy();
      await first.close();

      const second = await startS3(faults, { dataDir });
      const after = clientOf(second.url);
      const body = await read('k', after, 'kept').finally(async () => {
        after.destroy();
        await second.close();
      });
      expect(body.toString()).toBe('survives');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
