import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { Storage } from '@google-cloud/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { availableServices, type LocalCloud, startLocalCloud } from '../../localcloud/launcher.js';

const clouds: LocalCloud[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(clouds.splice(0).map((c) => c.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startLocalCloud>[0] = {}): Promise<LocalCloud> {
  const cloud = await startLocalCloud(options);
  clouds.push(cloud);
  return cloud;
}

/** SDK clients configured only from the variables the launcher hands out. */
function clientsFrom(env: Readonly<Record<string, string>>) {
  const common = {
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
  };
  return {
    sqs: new SQSClient({ ...common, endpoint: env.AWS_ENDPOINT_URL_SQS }),
    dynamodb: new DynamoDBClient({ ...common, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB }),
    s3: new S3Client({ ...common, endpoint: env.AWS_ENDPOINT_URL_S3, forcePathStyle: true }),
  };
}

describe('startLocalCloud', () => {
  it('starts every AWS stand-in and hands out the variables the SDK clients need', async () => {
    const cloud = await start();
    const { sqs, dynamodb, s3 } = clientsFrom(cloud.env);

    await sqs.send(new CreateQueueCommand({ QueueName: 'trades' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'archive' }));
    const queues = await sqs.send(new ListQueuesCommand({}));
    const tables = await dynamodb.send(new ListTablesCommand({}));
    const buckets = await s3.send(new ListBucketsCommand({}));

    expect(availableServices()).toEqual(expect.arrayContaining(['sqs', 'dynamodb', 's3']));
    expect(cloud.env).toMatchObject({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
    for (const name of ['AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_S3']) {
      expect(cloud.env[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(queues.QueueUrls?.map((u) => u.split('/').pop())).toEqual(['trades']);
    expect(tables.TableNames).toEqual([]);
    expect(buckets.Buckets?.map((b) => b.Name)).toEqual(['archive']);
    expect(cloud.faults.counts()).toMatchObject({
      sqs: { CreateQueue: 1, ListQueues: 1 },
      s3: { CreateBucket: 1 },
    });
  });

  it('starts the Pub/Sub stand-in where the official client finds it through PUBSUB_EMULATOR_HOST', async () => {
    const cloud = await start({ services: ['pubsub'] });
    const saved = process.env.PUBSUB_EMULATOR_HOST;
    process.env.PUBSUB_EMULATOR_HOST = cloud.env.PUBSUB_EMULATOR_HOST;
    const pubsub = new PubSub({ projectId: cloud.env.GOOGLE_CLOUD_PROJECT });
    try {
      await pubsub.createTopic('trades');
      const [topics] = await pubsub.getTopics();

      expect(cloud.env.PUBSUB_EMULATOR_HOST).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(cloud.env.GOOGLE_CLOUD_PROJECT).toBe('local-project');
      expect(topics.map((t) => t.name)).toEqual(['projects/local-project/topics/trades']);
      expect(cloud.faults.total('pubsub', 'CreateTopic')).toBe(1);
    } finally {
      await pubsub.close();
      if (saved === undefined) delete process.env.PUBSUB_EMULATOR_HOST;
      else process.env.PUBSUB_EMULATOR_HOST = saved;
    }
  });

  it('starts Firestore and Cloud Storage where the official clients find them', async () => {
    const cloud = await start({ services: ['firestore', 'storage'] });
    const db = new Firestore({
      projectId: cloud.env.GOOGLE_CLOUD_PROJECT,
      host: cloud.env.FIRESTORE_EMULATOR_HOST,
      ssl: false,
    });
    const storage = new Storage({
      apiEndpoint: cloud.env.STORAGE_EMULATOR_HOST,
      projectId: cloud.env.GOOGLE_CLOUD_PROJECT,
    });
    try {
      await db.doc('candles/BTCUSDT-1m-1723161300000').set({ close: '61828.00000000' });
      const [bucket] = await storage.createBucket('trade-archive');
      await bucket.file('BTCUSDT/3735683259.json').save('{"v":1}', { resumable: false });
      const snapshot = await db.doc('candles/BTCUSDT-1m-1723161300000').get();
      const [content] = await bucket.file('BTCUSDT/3735683259.json').download();

      expect(cloud.env.FIRESTORE_EMULATOR_HOST).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(cloud.env.STORAGE_EMULATOR_HOST).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(snapshot.get('close')).toBe('61828.00000000');
      expect(content.toString()).toBe('{"v":1}');
      expect(cloud.faults.total('firestore')).toBeGreaterThanOrEqual(2);
      expect(cloud.faults.total('storage')).toBeGreaterThanOrEqual(3);
    } finally {
      await db.terminate();
    }
  });

  it('runs two clouds side by side on free ports', async () => {
    const a = await start({ services: ['sqs'] });
    const b = await start({ services: ['sqs'] });

    expect(a.env.AWS_ENDPOINT_URL_SQS).not.toBe(b.env.AWS_ENDPOINT_URL_SQS);
    expect(Object.keys(a.endpoints)).toEqual(['sqs']);
  });

  it('stops every service', async () => {
    const cloud = await startLocalCloud({ services: ['sqs', 's3'] });
    const { sqs } = clientsFrom(cloud.env);
    await cloud.stop();

    const error = await sqs.send(new ListQueuesCommand({})).then(
      () => undefined,
      (err: Error) => err,
    );

    expect(String((error as { code?: string } | undefined)?.code ?? error?.message)).toMatch(/ECONNREFUSED/);
  });

  it('keeps queues, tables and objects across a restart with a data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'localcloud-'));
    dirs.push(dir);
    const first = await startLocalCloud({ dataDir: dir });
    let c = clientsFrom(first.env);
    await c.sqs.send(new CreateQueueCommand({ QueueName: 'kept' }));
    await c.s3.send(new CreateBucketCommand({ Bucket: 'kept-bucket' }));
    await c.dynamodb.send(
      new CreateTableCommand({
        TableName: 'kept-table',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await first.stop();

    const second = await start({ dataDir: dir });
    c = clientsFrom(second.env);

    expect((await c.sqs.send(new ListQueuesCommand({}))).QueueUrls?.map((u) => u.split('/').pop())).toEqual([
      'kept',
    ]);
    expect((await c.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([
      'kept-bucket',
    ]);
    expect((await c.dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(['kept-table']);
  });

  it('serves the control endpoint when asked', async () => {
    const cloud = await start({ services: ['sqs'], controlPort: 0 });

    const res = await fetch(`${cloud.controlUrl}/faults/sqs`, { method: 'PATCH', body: '{"latencyMs":5}' });

    expect(res.status).toBe(200);
    expect(cloud.faults.get('sqs').latencyMs).toBe(5);
    expect(cloud.env.LOCALCLOUD_CONTROL_URL).toBe(cloud.controlUrl);
  });
});
