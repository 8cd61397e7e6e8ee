/**
 * SQS conformance, batches and redrive: the limits that refuse a whole batch, entries that fail on
 * their own while the rest succeed, and poison messages moving to the dead-letter queue.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejectionOf, type SqsHarness, sqsHarness } from './sqs-harness.js';

let h: SqsHarness;
beforeAll(async () => {
  h = await sqsHarness();
});
afterAll(() => h.stop());

const entries = (n: number, body = (i: number) => `m${i}`): SendMessageBatchRequestEntry[] =>
  Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, MessageBody: body(i) }));

async function arnOf(url: string): Promise<string> {
  const out = await h.client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return out.Attributes!.QueueArn!;
}

async function receiveAll(url: string, count: number, extra: { VisibilityTimeout?: number } = {}) {
  const got = [];
  for (let round = 0; round < 10 && got.length < count; round++) {
    const out = await h.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, ...extra }),
    );
    got.push(...(out.Messages ?? []));
  }
  return got;
}

describe('SQS batches', () => {
  it('sends ten messages in one batch', async () => {
    const url = await h.createQueue('batch-ten');

    const out = await h.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(10) }));
    const got = await receiveAll(url, 10);

    expect(out.Successful?.map((s) => s.Id).sort()).toEqual(
      entries(10)
        .map((e) => e.Id)
        .sort(),
    );
    expect(out.Failed ?? []).toEqual([]);
    expect(got.map((m) => m.Body).sort()).toEqual(
      entries(10)
        .map((e) => e.MessageBody)
        .sort(),
    );
  });

  it('refuses a batch that is empty, has more than ten entries, or repeats or misspells an id', async () => {
    const url = await h.createQueue('batch-limits');
    const send = (Entries: SendMessageBatchRequestEntry[]) =>
      rejectionOf(h.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries })));

    const empty = await send([]);
    const eleven = await send(entries(11));
    const repeated = await send([
      { Id: 'same', MessageBody: 'a' },
      { Id: 'same', MessageBody: 'b' },
    ]);
    const misspelt = await send([{ Id: 'not valid!', MessageBody: 'a' }]);

    expect(empty.name).toBe('EmptyBatchRequest');
    expect(eleven.name).toBe('TooManyEntriesInBatchRequest');
    expect(repeated.name).toBe('BatchEntryIdsNotDistinct');
    expect(misspelt.name).toBe('InvalidBatchEntryId');
  });

  it('refuses a batch holding more than 1 MiB in total', async () => {
    const url = await h.createQueue('batch-too-long');

    const error = await rejectionOf(
      h.client.send(
        new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(5, () => 'x'.repeat(256 * 1024)) }),
      ),
    );

    expect(error.name).toBe('BatchRequestTooLong');
  });

  it('fails only the entry above MaximumMessageSize and sends the others', async () => {
    const url = await h.createQueue('batch-one-too-big', { MaximumMessageSize: '1024' });

    const out = await h.client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'small1', MessageBody: 'a' },
          { Id: 'big', MessageBody: 'x'.repeat(2000) },
          { Id: 'small2', MessageBody: 'b' },
        ],
      }),
    );

    expect(out.Successful?.map((s) => s.Id).sort()).toEqual(['small1', 'small2']);
    expect(out.Failed).toEqual([
      expect.objectContaining({
        Id: 'big',
        SenderFault: true,
        Code: expect.stringMatching(/InvalidParameterValue/),
      }),
    ]);
  });

  it('deletes the entries with good handles and reports the bad one in Failed', async () => {
    const url = await h.createQueue('delete-batch');
    await h.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(2) }));
    const got = await receiveAll(url, 2);

    const out = await h.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', ReceiptHandle: got[0]!.ReceiptHandle },
          { Id: 'b', ReceiptHandle: got[1]!.ReceiptHandle },
          { Id: 'bad', ReceiptHandle: 'garbage' },
        ],
      }),
    );
    const counts = await h.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
      }),
    );

    expect(out.Successful?.map((s) => s.Id).sort()).toEqual(['a', 'b']);
    expect(out.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', SenderFault: true, Code: 'ReceiptHandleIsInvalid' }),
    ]);
    expect(counts.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('changes the visibility of several messages at once', async () => {
    const url = await h.createQueue('visibility-batch');
    await h.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(2) }));
    const got = await receiveAll(url, 2);

    const out = await h.client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: got.map((m, i) => ({ Id: `v${i}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
    const again = await receiveAll(url, 2);

    expect(out.Successful).toHaveLength(2);
    expect(again.map((m) => m.Body).sort()).toEqual(['m0', 'm1']);
  });
});

describe('SQS redrive', () => {
  it('moves a message to the dead-letter queue after maxReceiveCount receives, keeping it whole', async () => {
    const dlqUrl = await h.createQueue('redrive-dlq');
    const policy = JSON.stringify({ deadLetterTargetArn: await arnOf(dlqUrl), maxReceiveCount: 2 });
    const url = await h.createQueue('redrive-source', { RedrivePolicy: policy });
    const attributes = { kind: { DataType: 'String', StringValue: 'poison' } };
    const sent = await h.client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison', MessageAttributes: attributes }),
    );
    const options = { MessageSystemAttributeNames: ['All' as const], VisibilityTimeout: 0 };

    const first = await h.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, ...options }),
    );
    const second = await h.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, ...options }),
    );
    const third = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url, ...options }));
    const dead = await h.client.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        WaitTimeSeconds: 2,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );

    const moved = dead.Messages?.[0];
    expect(first.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(third.Messages).toBeUndefined();
    expect(moved?.MessageId).toBe(sent.MessageId);
    expect(moved?.Body).toBe('poison');
    expect(moved?.MessageAttributes).toEqual(attributes);
    expect(moved?.Attributes?.SentTimestamp).toBe(first.Messages?.[0]?.Attributes?.SentTimestamp);
    expect(moved?.Attributes?.DeadLetterQueueSourceArn).toBe(await arnOf(url));
  });
});
