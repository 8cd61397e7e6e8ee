/**
 * SQS conformance, time: visibility timeouts, changing them, delays, and long polling that returns
 * as soon as a message arrives. Timeouts are 1 s to keep the suite fast.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejectionOf, type SqsHarness, sleep, sqsHarness } from './sqs-harness.js';

let h: SqsHarness;
beforeAll(async () => {
  h = await sqsHarness();
});
afterAll(() => h.stop());

describe.concurrent('SQS timing', () => {
  it('hides a received message for the visibility timeout, then delivers it again with a higher count', async () => {
    const url = await h.createQueue('visibility', { VisibilityTimeout: '1' });
    await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const receive = () =>
      h.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );

    const first = await receive();
    const hidden = await receive();
    await sleep(1300);
    const second = await receive();

    expect(first.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(hidden.Messages).toBeUndefined();
    expect(second.Messages?.[0]?.Body).toBe('again');
    expect(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(second.Messages?.[0]?.ReceiptHandle).not.toBe(first.Messages?.[0]?.ReceiptHandle);
  });

  it('makes a message visible at once when its visibility timeout is changed to 0', async () => {
    const url = await h.createQueue('change-visibility');
    await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'back' }));
    const first = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));

    await h.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: first.Messages![0]!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const again = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));

    expect(again.Messages?.[0]?.Body).toBe('back');
  });

  it('answers MessageNotInflight when the message is visible again', async () => {
    const url = await h.createQueue('not-inflight');
    await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const got = await h.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1, VisibilityTimeout: 0 }),
    );

    const error = await rejectionOf(
      h.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: got.Messages![0]!.ReceiptHandle,
          VisibilityTimeout: 10,
        }),
      ),
    );

    expect(error.name).toBe('MessageNotInflight');
  });

  it('refuses to change the visibility of a deleted message', async () => {
    const url = await h.createQueue('deleted-visibility');
    await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const got = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    const handle = got.Messages![0]!.ReceiptHandle;
    await h.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handle }));

    const error = await rejectionOf(
      h.client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: handle, VisibilityTimeout: 5 }),
      ),
    );

    expect(error.name).toBe('InvalidParameterValue');
  });

  it('returns a long poll as soon as a message arrives, well before the wait ends', async () => {
    const url = await h.createQueue('long-poll');
    const started = Date.now();

    const polling = h.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    await sleep(300);
    await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'arrived' }));
    const out = await polling;

    expect(out.Messages?.[0]?.Body).toBe('arrived');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('returns no messages after the wait when none arrive', async () => {
    const url = await h.createQueue('empty-wait');
    const started = Date.now();

    const out = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));

    expect(out.Messages ?? []).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("waits for the queue's ReceiveMessageWaitTimeSeconds when the receive names none", async () => {
    const url = await h.createQueue('default-wait', { ReceiveMessageWaitTimeSeconds: '1' });
    const started = Date.now();

    const out = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url }));

    expect(out.Messages ?? []).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('holds a delayed message back for its DelaySeconds', async () => {
    const url = await h.createQueue('delay');
    await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 1 }));

    const early = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    const counts = await h.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    await sleep(1200);
    const late = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));

    expect(early.Messages).toBeUndefined();
    expect(counts.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect(late.Messages?.[0]?.Body).toBe('later');
  });

  it("applies the queue's DelaySeconds to messages sent without one", async () => {
    const url = await h.createQueue('queue-delay', { DelaySeconds: '1' });
    await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later' }));

    const early = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    const late = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 3 }));

    expect(early.Messages).toBeUndefined();
    expect(late.Messages?.[0]?.Body).toBe('later');
  });
});
