/**
 * DynamoDB conformance through the official SDK: the local stand-in by default, any endpoint with
 * CONFORMANCE_TARGET=external. Fault injection, counting and restarts need the stand-in's own
 * controls and run only locally.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../localcloud/aws-local.js';
import { DynamoDbStandInError, startDynamoDb } from '../../localcloud/dynamodb.js';
import { FaultController } from '../../localcloud/faults.js';
import { rejectionOf } from '../support/errors.js';
import { type AwsTarget, awsTarget, external } from './aws-target.js';

let target: AwsTarget;
let raw: DynamoDBClient;
let db: DynamoDBDocumentClient;
const table = `conformance-candles-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

function clientFor(endpoint: string, extra: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: target.region,
    // A copy: the SDK marks where credentials came from on the object, and the shared one is frozen.
    ...(target.credentials === undefined ? {} : { credentials: { ...target.credentials } }),
    ...extra,
  });
}

async function createCandleTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1 }, { TableName: name });
}

/** The error a promise rejects with; fails the test when it resolves. */
beforeAll(async () => {
  target = await awsTarget('dynamodb', startDynamoDb);
  raw = clientFor(target.endpoint);
  db = DynamoDBDocumentClient.from(raw);
  await createCandleTable(raw, table);
});

afterAll(async () => {
  if (raw !== undefined) {
    await raw.send(new DeleteTableCommand({ TableName: table })).catch(() => {});
    raw.destroy();
  }
  await target?.stop();
});

describe('DynamoDB items', () => {
  it('puts and gets an item with nested values intact', async () => {
    const item = { pk: 'BTCUSDT#1m', sk: '2024-01-01T00:00', open: '42000.10', trades: 17, tags: ['a', 'b'] };
    await db.send(
      new PutCommand({ TableName: table, Item: { ...item, detail: { venue: 'binance', n: 3 } } }),
    );
    const got = await db.send(new GetCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk } }));
    expect(got.Item).toEqual({ ...item, detail: { venue: 'binance', n: 3 } });
  });

  it('refuses a create-only put of an existing key with ConditionalCheckFailedException', async () => {
    const put = () =>
      db.send(
        new PutCommand({
          TableName: table,
          Item: { pk: 'create-only', sk: 'x', v: 1 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await put();
    const err = await rejectionOf(put());
    expect(err).toBeInstanceOf(ConditionalCheckFailedException);
    expect(err.name).toBe('ConditionalCheckFailedException');
  });

  it('adds to a counter under a condition, then refuses once the condition fails', async () => {
    const bump = () =>
      db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: 'counter', sk: 'trades' },
          UpdateExpression: 'ADD #n :one SET #v = :v',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
          ExpressionAttributeNames: { '#n': 'count', '#v': 'volume' },
          ExpressionAttributeValues: { ':one': 1, ':max': 2, ':v': '1.5' },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
    expect((await bump()).Attributes).toEqual({ count: 1, volume: '1.5' });
    expect((await bump()).Attributes).toEqual({ count: 2, volume: '1.5' });
    expect(await rejectionOf(bump())).toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('writes a batch and queries a sort-key range of one partition, in both orders and by pages', async () => {
    const minutes = Array.from({ length: 25 }, (_, i) => `2024-01-01T00:${String(i).padStart(2, '0')}`);
    const put = minutes.map((sk, i) => ({ PutRequest: { Item: { pk: 'ETHUSDT#1m', sk, close: i } } }));
    const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: put } }));
    expect(result.UnprocessedItems ?? {}).toEqual({});
    await db.send(
      new PutCommand({ TableName: table, Item: { pk: 'ETHUSDT#5m', sk: minutes[3]!, close: -1 } }),
    );

    const range = {
      TableName: table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'ETHUSDT#1m', ':from': minutes[5]!, ':to': minutes[14]! },
    };
    const forward = await db.send(new QueryCommand(range));
    expect(forward.Items?.map((i) => i.close)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    const backward = await db.send(new QueryCommand({ ...range, ScanIndexForward: false, Limit: 3 }));
    expect(backward.Items?.map((i) => i.close)).toEqual([14, 13, 12]);
    const start = { pk: 'ETHUSDT#1m', sk: minutes[8]! };
    const next = await db.send(new QueryCommand({ ...range, Limit: 6, ExclusiveStartKey: start }));
    expect(next.Items?.map((i) => i.close)).toEqual([9, 10, 11, 12, 13, 14]);
    expect(next.LastEvaluatedKey).toEqual({ pk: 'ETHUSDT#1m', sk: minutes[14] });
  });

  it('rejects an item over 400 KB with ValidationException', async () => {
    const big = 'x'.repeat(401 * 1024);
    const err = await rejectionOf(
      db.send(new PutCommand({ TableName: table, Item: { pk: 'big', sk: 'a', big } })),
    );
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(/size/i);
  });

  it.skipIf(!external)(
    'TransactWriteItems writes all or nothing (external only: dynalite has no transactions)',
    async () => {
      await db.send(new PutCommand({ TableName: table, Item: { pk: 'tx-guard', sk: 'x' } }));
      const err = await rejectionOf(
        db.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: table, Item: { pk: 'tx', sk: '1' } } },
              {
                Put: {
                  TableName: table,
                  Item: { pk: 'tx-guard', sk: 'x' },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        ),
      );
      expect(err.name).toBe('TransactionCanceledException');
      const got = await db.send(new GetCommand({ TableName: table, Key: { pk: 'tx', sk: '1' } }));
      expect(got.Item).toBeUndefined();
    },
  );

  it.skipIf(external)(
    'answers TransactWriteItems with UnknownOperationException (dynalite limit)',
    async () => {
      const err = await rejectionOf(
        db.send(
          new TransactWriteCommand({
            TransactItems: [{ Put: { TableName: table, Item: { pk: 't', sk: '1' } } }],
          }),
        ),
      );
      expect(err.name).toBe('UnknownOperationException');
    },
  );
});

describe.skipIf(external)('DynamoDB stand-in controls', () => {
  afterEach(() => {
    target.faults?.reset();
  });

  it('adds the configured latency to each request', async () => {
    const key = { TableName: table, Key: { pk: 'none', sk: 'none' } };
    await db.send(new GetCommand(key));
    target.faults?.set('dynamodb', { latencyMs: 200 });
    const started = performance.now();
    await db.send(new GetCommand(key));
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('answers injected throttling as ThrottlingException, which the SDK retries before giving up', async () => {
    const faults = target.faults!;
    faults.resetCounts();
    faults.set('dynamodb', { failureRate: 1, failureKind: 'throttle' });
    const client = DynamoDBDocumentClient.from(clientFor(target.endpoint, { maxAttempts: 3 }));
    const err = await rejectionOf(
      client.send(new GetCommand({ TableName: table, Key: { pk: 'a', sk: 'b' } })),
    );
    client.destroy();
    expect(err.name).toBe('ThrottlingException');
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 3 });
    expect(faults.total('dynamodb', 'GetItem')).toBe(3);
  });

  it('answers injected server errors as InternalServerError with status 500, also retried', async () => {
    target.faults?.set('dynamodb', { failureRate: 1, failureKind: 'server' });
    const client = clientFor(target.endpoint, { maxAttempts: 2 });
    const err = await rejectionOf(client.send(new CreateTableCommand({ TableName: 'never', KeySchema: [] })));
    client.destroy();
    expect(err.name).toBe('InternalServerError');
    expect(err.$metadata).toMatchObject({ httpStatusCode: 500, attempts: 2 });
  });

  it('counts requests by operation', async () => {
    const faults = target.faults!;
    faults.resetCounts();
    await db.send(new PutCommand({ TableName: table, Item: { pk: 'count', sk: '1' } }));
    await db.send(new GetCommand({ TableName: table, Key: { pk: 'count', sk: '1' } }));
    await db.send(new GetCommand({ TableName: table, Key: { pk: 'count', sk: '1' } }));
    expect(faults.counts().dynamodb).toEqual({ PutItem: 1, GetItem: 2 });
  });

  it('keeps tables and items across a restart on the same data directory', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'dynamodb-standin-'));
    const faults = new FaultController();
    const config = { region: LOCAL_REGION, credentials: { ...LOCAL_CREDENTIALS } };
    try {
      const first = await startDynamoDb(faults, { dataDir });
      await expect(startDynamoDb(faults, { dataDir })).rejects.toBeInstanceOf(DynamoDbStandInError);
      const before = DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: first.url }));
      await createCandleTable(before, 'kept');
      await before.send(new PutCommand({ TableName: 'kept', Item: { pk: 'p', sk: 's', v: 7 } }));
      before.destroy();
      await first.close();

      const second = await startDynamoDb(faults, { dataDir });
      const after = DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: second.url }));
      const got = await after.send(new GetCommand({ TableName: 'kept', Key: { pk: 'p', sk: 's' } }));
      after.destroy();
      await second.close();
      expect(got.Item).toEqual({ pk: 'p', sk: 's', v: 7 });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
