/**
 * Shared setup for the S3 conformance suites: each suite file gets its own target (the local
 * stand-in by default, any endpoint with CONFORMANCE_TARGET=external) and its own bucket, so the
 * files can run in parallel without seeing each other's objects.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { LOCAL_REGION } from '../../localcloud/aws-local.js';
import { startS3 } from '../../localcloud/s3.js';
import { type AwsTarget, awsTarget } from './aws-target.js';

/** One suite file's target and bucket; `target` and `s3` exist once its beforeAll has run. */
export class S3Suite {
  readonly bucket = `conformance-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  private started: AwsTarget | undefined;
  private client: S3Client | undefined;

  get target(): AwsTarget {
    if (this.started === undefined) throw new Error('the S3 suite has not started');
    return this.started;
  }

  get s3(): S3Client {
    if (this.client === undefined) throw new Error('the S3 suite has not started');
    return this.client;
  }

  // Arrow properties, so that suites can destructure them.
  readonly clientFor = (endpoint: string, extra: S3ClientConfig = {}): S3Client =>
    new S3Client({
      endpoint,
      region: this.started?.region ?? LOCAL_REGION,
      forcePathStyle: true,
      // A copy: the SDK marks where credentials came from on the object, and the shared one is frozen.
      ...(this.started?.credentials === undefined ? {} : { credentials: { ...this.started.credentials } }),
      ...extra,
    });

  readonly put = (input: Omit<PutObjectCommandInput, 'Bucket'>, client = this.s3) =>
    client.send(new PutObjectCommand({ Bucket: this.bucket, ...input }));

  readonly read = async (key: string, client = this.s3, name = this.bucket): Promise<Buffer> => {
    const got = await client.send(new GetObjectCommand({ Bucket: name, Key: key }));
    return Buffer.from(await got.Body!.transformToByteArray());
  };

  async setUp(): Promise<void> {
    this.started = await awsTarget('s3', startS3);
    this.client = this.clientFor(this.started.endpoint);
    await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
  }

  async tearDown(): Promise<void> {
    if (this.client !== undefined) {
      await emptyAndDelete(this.client, this.bucket).catch(() => {});
      this.client.destroy();
    }
    await this.started?.stop();
  }
}

/** An S3Suite started before the calling file's tests and stopped after them. */
export function s3Suite(): S3Suite {
  const suite = new S3Suite();
  beforeAll(() => suite.setUp());
  afterAll(() => suite.tearDown());
  return suite;
}

export function statusOf(err: Record<string, unknown>): number | undefined {
  return (err.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode;
}

async function emptyAndDelete(client: S3Client, name: string): Promise<void> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: name }));
  const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
  if (keys.length > 0)
    await client.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: keys } }));
  await client.send(new DeleteBucketCommand({ Bucket: name }));
}

export { rejectionOf } from '../support/errors.js';
