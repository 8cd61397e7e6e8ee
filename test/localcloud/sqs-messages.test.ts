/**
 * SQS conformance, single messages: bodies and message attributes intact, the MD5 digests, system
 * attributes, content and size rules, receipt handles, through the official SDK client.
 */
import { createHash } from 'node:crypto';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejectionOf, type SqsHarness, sqsHarness } from './sqs-harness.js';

let h: SqsHarness;
beforeAll(async () => {
  h = await sqsHarness();
});
afterAll(() => h.stop());

const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');

/** The documented attribute digest, encoded here independently of the stand-in. */
function attributesDigest(attributes: Record<string, MessageAttributeValue>): string {
  const chunks: Buffer[] = [];
  const withLength = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    chunks.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const { DataType, StringValue, BinaryValue } = attributes[name]!;
    withLength(Buffer.from(name));
    withLength(Buffer.from(DataType!));
    chunks.push(Buffer.of(BinaryValue === undefined ? 1 : 2));
    withLength(BinaryValue === undefined ? Buffer.from(StringValue!) : Buffer.from(BinaryValue));
  }
  return md5(Buffer.concat(chunks));
}

const ATTRIBUTES: Record<string, MessageAttributeValue> = {
  color: { DataType: 'String', StringValue: 'blue' },
  'price.eur': { DataType: 'Number', StringValue: '-12.50' },
  'price.usd': { DataType: 'Number.decimal', StringValue: '13' },
  blob: { DataType: 'Binary', BinaryValue: Uint8Array.of(0, 1, 2, 253, 254, 255) },
  note: { DataType: 'String.custom', StringValue: 'ünïcödé ✓ 🚀' },
};

describe('SQS messages', () => {
  it('hands back the body and every attribute intact, with matching digests, and deletes on request', async () => {
    const url = await h.createQueue('roundtrip');
    const body = 'hello\tworld\n{"a":1} ünïcödé 🚀 \uE000';

    const sent = await h.client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes: ATTRIBUTES }),
    );
    const got = await h.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
    );
    const message = got.Messages?.[0];
    await h.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message?.ReceiptHandle }));
    const counts = await h.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );

    expect(message?.Body).toBe(body);
    expect(message?.MessageId).toBe(sent.MessageId);
    expect(message?.MessageAttributes).toEqual(ATTRIBUTES);
    expect(sent.MD5OfMessageBody).toBe(md5(body));
    expect(message?.MD5OfBody).toBe(md5(body));
    expect(sent.MD5OfMessageAttributes).toBe(attributesDigest(ATTRIBUTES));
    expect(message?.MD5OfMessageAttributes).toBe(attributesDigest(ATTRIBUTES));
    expect(counts.Attributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
  });

  it('digests one String attribute exactly as the documented byte layout says', async () => {
    const url = await h.createQueue('digest-vector');
    // name "color" (5 bytes), type "String" (6), transport 1, value "blue" (4), lengths big-endian
    const bytes = Buffer.from([
      ...[0, 0, 0, 5, ...Buffer.from('color')],
      ...[0, 0, 0, 6, ...Buffer.from('String')],
      1,
      ...[0, 0, 0, 4, ...Buffer.from('blue')],
    ]);

    const sent = await h.client.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageAttributes: { color: { DataType: 'String', StringValue: 'blue' } },
      }),
    );

    expect(sent.MD5OfMessageAttributes).toBe(md5(bytes));
  });

  it('returns the message attributes asked for, by name, prefix or All, with the digest of those', async () => {
    const url = await h.createQueue('select');
    await h.client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes: ATTRIBUTES }),
    );
    const receive = async (names: string[] | undefined) => {
      const out = await h.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MessageAttributeNames: names,
          VisibilityTimeout: 0,
          WaitTimeSeconds: 1,
        }),
      );
      return out.Messages?.[0];
    };

    const byName = await receive(['color']);
    const byPrefix = await receive(['price.*']);
    const none = await receive(undefined);

    expect(byName?.MessageAttributes).toEqual({ color: ATTRIBUTES.color });
    expect(byName?.MD5OfMessageAttributes).toBe(attributesDigest({ color: ATTRIBUTES.color! }));
    expect(Object.keys(byPrefix?.MessageAttributes ?? {}).sort()).toEqual(['price.eur', 'price.usd']);
    expect(none?.MessageAttributes).toBeUndefined();
    expect(none?.MD5OfMessageAttributes).toBeUndefined();
  });

  it('reports the system attributes asked for', async () => {
    const url = await h.createQueue('system-attributes');
    const before = Date.now();
    await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));

    const out = await h.client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: 0,
        WaitTimeSeconds: 1,
      }),
    );
    const picked = await h.client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        WaitTimeSeconds: 1,
      }),
    );

    const a = out.Messages?.[0]?.Attributes ?? {};
    expect(a.ApproximateReceiveCount).toBe('1');
    expect(Number(a.SentTimestamp)).toBeGreaterThanOrEqual(before - 2000);
    expect(Number(a.SentTimestamp)).toBeLessThanOrEqual(Date.now() + 2000);
    expect(Number(a.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(a.SentTimestamp));
    expect(a.SenderId).toEqual(expect.any(String));
    expect(picked.Messages?.[0]?.Attributes).toEqual({ ApproximateReceiveCount: '2' });
  });

  it('refuses a body with characters outside XML 1.0', async () => {
    const url = await h.createQueue('bad-body');

    const error = await rejectionOf(
      h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a\u0001b' })),
    );

    expect(error.name).toBe('InvalidMessageContents');
  });

  it('counts body and attributes against MaximumMessageSize', async () => {
    const url = await h.createQueue('size', { MaximumMessageSize: '1024' });
    const attribute = { a: { DataType: 'String', StringValue: 'v'.repeat(20) } };

    const fits = await h.client.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1024) }),
    );
    const bodyTooLong = await rejectionOf(
      h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1025) })),
    );
    const withAttribute = await rejectionOf(
      h.client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'x'.repeat(1000),
          MessageAttributes: attribute,
        }),
      ),
    );

    expect(fits.MessageId).toEqual(expect.any(String));
    expect(bodyTooLong.name).toBe('InvalidParameterValue');
    expect(withAttribute.name).toBe('InvalidParameterValue');
  });

  it('refuses more than ten message attributes', async () => {
    const url = await h.createQueue('many-attributes');
    const attributes = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
    );

    const error = await rejectionOf(
      h.client.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes: attributes }),
      ),
    );

    expect(error.name).toBe('InvalidParameterValue');
  });

  it('refuses MaxNumberOfMessages and WaitTimeSeconds out of range', async () => {
    const url = await h.createQueue('receive-ranges');

    const tooMany = await rejectionOf(
      h.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })),
    );
    const tooLong = await rejectionOf(
      h.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 21 })),
    );

    expect(tooMany.name).toBe('InvalidParameterValue');
    expect(tooLong.name).toBe('InvalidParameterValue');
  });

  it('refuses a malformed receipt handle, and accepts a stale one of a deleted message', async () => {
    const url = await h.createQueue('handles');
    await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const got = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    const handle = got.Messages![0]!.ReceiptHandle!;
    await h.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handle }));

    const malformed = await rejectionOf(
      h.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-receipt-handle' })),
    );
    const again = await h.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handle }));

    expect(malformed.name).toBe('ReceiptHandleIsInvalid');
    expect(again.$metadata.httpStatusCode).toBe(200);
  });

  it('delivers up to MaxNumberOfMessages at once', async () => {
    const url = await h.createQueue('max-messages');
    for (let i = 0; i < 12; i++)
      await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));

    const seen = new Set<string>();
    let largest = 0;
    for (let round = 0; round < 10 && seen.size < 12; round++) {
      const out = await h.client.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      largest = Math.max(largest, out.Messages?.length ?? 0);
      for (const m of out.Messages ?? []) seen.add(m.Body!);
    }

    expect(seen.size).toBe(12);
    expect(largest).toBeLessThanOrEqual(10);
    if (h.target.local) expect(largest).toBe(10);
  });
});
