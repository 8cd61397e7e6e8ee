/**
 * What only the local SQS stand-in can show: the fault layer (throttling, server errors and
 * duplicate deliveries through the SDK's own retries), persistence across a restart, the wire
 * protocol's refusals, and long polls ending with their clients or the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../localcloud/aws-local.js';
import { FaultController } from '../../localcloud/faults.js';
import { type RunningSqs, startSqs } from '../../localcloud/sqs/index.js';
import { type AwsTarget, external } from './aws-target.js';
import { rejectionOf, sleep, sqsClient } from './sqs-harness.js';

const running: RunningSqs[] = [];
const clients: SQSClient[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(running.splice(0).map((r) => r.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sqs-'));
  dirs.push(dir);
  return dir;
}

async function start(faults = new FaultController(), dataDir?: string) {
  const sqs = await startSqs(faults, { port: 0, dataDir });
  running.push(sqs);
  const target: AwsTarget = {
    endpoint: sqs.url,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    faults,
    local: true,
    stop: async () => {},
  };
  const client = sqsClient(target, { maxAttempts: 3 });
  clients.push(client);
  const queue = async (name: string, attributes?: Record<string, string>) =>
    (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  return { sqs, faults, client, queue };
}

describe.skipIf(external)('SQS stand-in faults', () => {
  it('throttles every request when told to; the SDK retries, then gives up with a throttling error', async () => {
    const { client, faults, queue } = await start();
    const url = await queue('throttled');
    faults.set('sqs', { failureRate: 1, failureKind: 'throttle' });

    const error = await rejectionOf(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));

    expect(error.name).toBe('RequestThrottled');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 3 });
    expect(faults.counts().sqs).toEqual({ CreateQueue: 1, SendMessage: 3 });
  });

  it('answers injected server errors with a 500 InternalError, which the SDK retries', async () => {
    let calls = 0;
    const faults = new FaultController({ random: () => (calls++ === 0 ? 0 : 0.99) });
    const { client, queue } = await start(faults);
    const url = await queue('flaky');
    faults.set('sqs', { failureRate: 1, failureKind: 'server' });

    const error = await rejectionOf(client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })));
    faults.set('sqs', { failureRate: 0.5 });
    const retried = await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'y' }));

    expect(error.name).toBe('InternalError');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 500, attempts: 3 });
    expect(retried.MessageId).toEqual(expect.any(String));
    expect(faults.total('sqs', 'SendMessage')).toBe(4);
  });

  it('delivers a message once more after it was deleted when duplicates are on', async () => {
    const { client, faults, queue } = await start();
    const url = await queue('duplicates', { VisibilityTimeout: '1' });
    const sent = await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'twice' }));
    faults.set('sqs', { duplicateRate: 1 });
    const options = { QueueUrl: url, MessageSystemAttributeNames: ['ApproximateReceiveCount' as const] };

    const first = await client.send(new ReceiveMessageCommand(options));
    faults.set('sqs', { duplicateRate: 0 });
    await client.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle }),
    );
    const again = await client.send(new ReceiveMessageCommand({ ...options, WaitTimeSeconds: 3 }));

    expect(again.Messages?.[0]).toMatchObject({
      MessageId: sent.MessageId,
      Body: 'twice',
      Attributes: { ApproximateReceiveCount: '2' },
    });
  });
});

describe.skipIf(external)('SQS stand-in persistence', () => {
  it('keeps queues and messages across a restart; in-flight ones come back after their timeout', async () => {
    const dataDir = temporaryDir();
    const before = await start(new FaultController(), dataDir);
    const url = await before.queue('kept', { VisibilityTimeout: '1' });
    const attributes = { n: { DataType: 'Number', StringValue: '42' } };
    const send = (MessageBody: string, MessageAttributes?: typeof attributes) =>
      before.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody, MessageAttributes }));
    await send('a', attributes);
    await send('b');
    const inFlight = await before.client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    await send('c');
    await before.sqs.close();

    const after = await start(new FaultController(), dataDir);
    const { QueueUrl } = await after.client.send(new GetQueueUrlCommand({ QueueName: 'kept' }));
    const settings = await after.client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    const receive = { QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] };
    const visible = await after.client.send(new ReceiveMessageCommand({ ...receive, VisibilityTimeout: 30 }));
    await sleep(1100);
    const returned = await after.client.send(new ReceiveMessageCommand(receive));

    const all = [...(visible.Messages ?? []), ...(returned.Messages ?? [])];
    expect(settings.Attributes?.VisibilityTimeout).toBe('1');
    expect(all.map((m) => m.Body).sort()).toEqual(['a', 'b', 'c']);
    expect(returned.Messages?.map((m) => m.MessageId)).toContain(inFlight.Messages![0]!.MessageId);
    expect(all.find((m) => m.Body === 'a')?.MessageAttributes).toEqual(attributes);
  });

  it('still deletes with a receipt handle issued before the restart', async () => {
    const dataDir = temporaryDir();
    const before = await start(new FaultController(), dataDir);
    const url = await before.queue('handles');
    await before.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a' }));
    const got = await before.client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    await before.sqs.close();

    const after = await start(new FaultController(), dataDir);
    const { QueueUrl } = await after.client.send(new GetQueueUrlCommand({ QueueName: 'handles' }));
    await after.client.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages![0]!.ReceiptHandle }),
    );

    expect(after.sqs.queueStats()).toEqual({ handles: { visible: 0, notVisible: 0, delayed: 0 } });
  });
});

describe.skipIf(external)('SQS stand-in long polls', () => {
  it('forgets a long poll whose client went away, so it swallows no message', async () => {
    const { client, queue, sqs } = await start();
    const url = await queue('abandoned');
    const abort = new AbortController();

    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }), {
      abortSignal: abort.signal,
    });
    await sleep(100);
    abort.abort();
    await rejectionOf(polling);
    await sleep(50);
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'kept' }));

    expect(sqs.queueStats().abandoned).toEqual({ visible: 1, notVisible: 0, delayed: 0 });
  });

  it('ends a long poll with no messages when its queue is deleted', async () => {
    const { client, queue } = await start();
    const url = await queue('deleted-while-waiting');
    const started = Date.now();

    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }));
    await sleep(100);
    await client.send(new DeleteQueueCommand({ QueueUrl: url }));
    const out = await polling;

    expect(out.Messages).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('closes promptly while a long poll waits', async () => {
    const { client, queue, sqs } = await start();
    const url = await queue('closing');
    const polling = client
      .send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 20 }))
      .catch(() => {});
    await sleep(100);
    const started = Date.now();

    await sqs.close();
    await polling;

    expect(Date.now() - started).toBeLessThan(1000);
  });
});
