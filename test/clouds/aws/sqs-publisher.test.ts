/**
 * SqsPublisher through the real SDK against the local SQS stand-in: what lands in the queue, size
 * limits, and how service failures come back.
 */
import { CreateQueueCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqsPublisher, sqsSize } from '../../../clouds/aws/sqs-publisher.js';
import { CloudError } from '../../../clouds/errors.js';
import { decodeMessageBody } from '../../../clouds/message.js';
import type { OutboundMessage } from '../../../clouds/ports.js';
import { type LocalCloud, startLocalCloud } from '../../../localcloud/launcher.js';
import { rejectionOf } from '../../support/errors.js';
import { sizedMessage, tradeBatchMessage } from '../../support/outbound.js';

let cloud: LocalCloud;
let client: SQSClient;
let queues = 0;

beforeAll(async () => {
  cloud = await startLocalCloud({ services: ['sqs'] });
  client = sqsClient();
});

afterEach(() => {
  cloud.faults.reset();
  cloud.faults.resetCounts();
});

afterAll(async () => {
  client.destroy();
  await cloud.stop();
});

function sqsClient(extra: { maxAttempts?: number } = {}): SQSClient {
  const env = cloud.env;
  return new SQSClient({
    endpoint: env.AWS_ENDPOINT_URL_SQS,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    ...extra,
  });
}

async function createQueue(attributes?: Record<string, string>): Promise<string> {
  const out = await client.send(
    new CreateQueueCommand({ QueueName: `trades-${++queues}`, Attributes: attributes }),
  );
  return out.QueueUrl!;
}

async function receiveAll(queueUrl: string, count: number): Promise<Message[]> {
  const got: Message[] = [];
  for (let polls = 0; got.length < count && polls < 20; polls++) {
    const out = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 1,
      }),
    );
    got.push(...(out.Messages ?? []));
  }
  return got;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function attributesOf(m: Message): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
}

describe('SqsPublisher', () => {
  it('lands ten batches in one call, gzipped or not, that decode back to the originals', async () => {
    const queueUrl = await createQueue();
    const publisher = new SqsPublisher({ client, queueUrl });
    const batches = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        tradeBatchMessage(20 + i * 30, 1000 + i * 1000, i % 2 === 0 ? 0 : Infinity),
      ),
    );

    const outcome = await publisher.publish(batches.map((b) => b.message));
    const received = await receiveAll(queueUrl, 10);

    expect(outcome).toEqual({ failed: [] });
    expect(cloud.faults.total('sqs', 'SendMessageBatch')).toBe(1);
    const decoded = received.map((m) => decodeMessageBody(m.Body!, attributesOf(m)));
    decoded.sort((a, b) => a.firstId - b.firstId);
    expect(decoded).toEqual(batches.map((b) => b.wire));
    const encodings = received.map((m) => attributesOf(m).contentEncoding ?? 'none').sort();
    expect(encodings).toEqual([...Array(5).fill('gzip'), ...Array(5).fill('none')]);
  });

  it('reports a message over 1 MiB as not retryable and still sends the others', async () => {
    const queueUrl = await createQueue();
    const publisher = new SqsPublisher({ client, queueUrl });
    // 1 MiB by our count, but SQS adds 6 bytes for the attribute's data type.
    const marked: OutboundMessage = {
      ...sizedMessage(1_048_576 - 19, 3),
      attributes: { contentEncoding: 'gzip' },
    };
    const messages = [
      sizedMessage(1000, 1),
      sizedMessage(1_048_577, 2),
      { ...marked, bytes: 1_048_576 },
      sizedMessage(500, 4),
    ];

    const outcome = await publisher.publish(messages);
    const received = await receiveAll(queueUrl, 2);

    expect(sqsSize(messages[2]!)).toBe(1_048_582);
    expect(outcome.failed.map((f) => [f.index, f.retryable, (f.error as CloudError).code])).toEqual([
      [1, false, 'TOO_LARGE'],
      [2, false, 'TOO_LARGE'],
    ]);
    expect(received.map((m) => m.Body!.length).sort()).toEqual([1000, 500]);
  });

  it('reports an entry SQS itself refuses for size as not retryable', async () => {
    const queueUrl = await createQueue({ MaximumMessageSize: '1024' });
    const publisher = new SqsPublisher({ client, queueUrl });

    const outcome = await publisher.publish([sizedMessage(2000, 1), sizedMessage(100, 2)]);

    expect(outcome.failed).toHaveLength(1);
    const [failure] = outcome.failed;
    expect([failure!.index, failure!.retryable, (failure!.error as CloudError).code]).toEqual([
      0,
      false,
      'TOO_LARGE',
    ]);
    expect(failure!.error.message).toContain('Message too long');
    expect(await receiveAll(queueUrl, 1)).toHaveLength(1);
  });

  it('splits a call that does not fit one SendMessageBatch, counting sizes as SQS does', async () => {
    const queueUrl = await createQueue();
    const publisher = new SqsPublisher({ client, queueUrl });
    const messages = Array.from({ length: 12 }, (_, i) => sizedMessage(300_000, i));

    const outcome = await publisher.publish(messages);
    const received = await receiveAll(queueUrl, 12);

    expect(outcome.failed).toEqual([]);
    expect(cloud.faults.total('sqs', 'SendMessageBatch')).toBe(4);
    expect(received).toHaveLength(12);
  });

  it('rejects with a retryable CloudError while SQS is down, and sends once it is back', async () => {
    const queueUrl = await createQueue();
    const publisher = new SqsPublisher({ client: sqsClient({ maxAttempts: 2 }), queueUrl });
    const { message, wire } = await tradeBatchMessage(50, 5000, 0);
    cloud.faults.set('sqs', { down: true });

    const err = await rejectionOf(publisher.publish([message]));
    cloud.faults.set('sqs', { down: false });
    await sleep(50); // the port listens again asynchronously
    const retried = await publisher.publish([message]);

    expect(err).toBeInstanceOf(CloudError);
    expect([err.code, err.retryable, err.service]).toEqual(['UNAVAILABLE', true, 'sqs']);
    expect(retried.failed).toEqual([]);
    const [got] = await receiveAll(queueUrl, 1);
    expect(decodeMessageBody(got!.Body!, attributesOf(got!))).toEqual(wire);
  });

  it.each([
    ['throttle', 'THROTTLED'],
    ['server', 'UNAVAILABLE'],
  ] as const)('rejects retryable when every request fails with %s errors', async (kind, code) => {
    const queueUrl = await createQueue();
    const publisher = new SqsPublisher({ client: sqsClient({ maxAttempts: 2 }), queueUrl });
    cloud.faults.set('sqs', { failureRate: 1, failureKind: kind });

    const err = await rejectionOf(publisher.publish([sizedMessage(10, 1), sizedMessage(10, 2)]));

    expect(err).toBeInstanceOf(CloudError);
    expect([err.code, err.retryable]).toEqual([code, true]);
    expect(cloud.faults.total('sqs', 'SendMessageBatch')).toBe(2);
  });

  it('rejects not retryable when the queue does not exist', async () => {
    const queueUrl = await createQueue();
    const missing = `${queueUrl}-missing`;
    const publisher = new SqsPublisher({ client, queueUrl: missing });

    const err = await rejectionOf(publisher.publish([sizedMessage(10, 1)]));

    expect([err.code, err.retryable]).toEqual(['NOT_FOUND', false]);
  });

  it('returns at once with nothing to send', async () => {
    const publisher = new SqsPublisher({ client, queueUrl: await createQueue() });
    expect(await publisher.publish([])).toEqual({ failed: [] });
    expect(cloud.faults.total('sqs', 'SendMessageBatch')).toBe(0);
    expect([publisher.name, publisher.limits]).toEqual([
      'sqs',
      { maxMessagesPerCall: 10, maxBytesPerCall: 1_048_576, maxMessageBytes: 1_048_576 },
    ]);
  });
});
