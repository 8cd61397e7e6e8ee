/**
 * SQS conformance, queues: create, find, list, delete, purge, attributes and their ranges, through
 * the official SDK client. Runs against the local stand-in, or an external endpoint
 * (CONFORMANCE_TARGET=external); the checks of the stand-in's own refusals run locally only.
 */
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { external } from './aws-target.js';
import { rejectionOf, type SqsHarness, sqsHarness } from './sqs-harness.js';

let h: SqsHarness;
beforeAll(async () => {
  h = await sqsHarness();
});
afterAll(() => h.stop());

describe('SQS queues', () => {
  it('creates a queue, finds it by name and in the list, and deletes it', async () => {
    const url = await h.createQueue('lifecycle');

    const found = await h.client.send(new GetQueueUrlCommand({ QueueName: h.uniqueName('lifecycle') }));
    const listed = await h.client.send(new ListQueuesCommand({ QueueNamePrefix: h.uniqueName('life') }));
    await h.client.send(new DeleteQueueCommand({ QueueUrl: url }));
    const gone = await rejectionOf(
      h.client.send(new GetQueueUrlCommand({ QueueName: h.uniqueName('lifecycle') })),
    );

    expect(url.endsWith(`/${h.uniqueName('lifecycle')}`)).toBe(true);
    expect(found.QueueUrl).toBe(url);
    expect(listed.QueueUrls).toEqual([url]);
    expect(gone.name).toBe('QueueDoesNotExist');
    expect(gone.Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
  });

  it('answers CreateQueue again with the same URL when the attributes match, and refuses other values', async () => {
    const url = await h.createQueue('idempotent', { VisibilityTimeout: '45' });
    const name = h.uniqueName('idempotent');

    const again = await h.client.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '45' } }),
    );
    const plain = await h.client.send(new CreateQueueCommand({ QueueName: name }));
    const clash = await rejectionOf(
      h.client.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '46' } })),
    );

    expect(again.QueueUrl).toBe(url);
    expect(plain.QueueUrl).toBe(url);
    expect(clash.name).toBe('QueueNameExists');
    expect(clash.Code).toBe('QueueAlreadyExists');
  });

  it('refuses queue names outside A-Z a-z 0-9 - _ or longer than 80', async () => {
    const bad = await rejectionOf(h.client.send(new CreateQueueCommand({ QueueName: 'has space' })));
    const long = await rejectionOf(h.client.send(new CreateQueueCommand({ QueueName: 'q'.repeat(81) })));

    expect(bad.name).toBe('InvalidParameterValue');
    expect(long.name).toBe('InvalidParameterValue');
  });

  it('pages ListQueues with MaxResults and NextToken', async () => {
    const urls = [
      await h.createQueue('page-a'),
      await h.createQueue('page-b'),
      await h.createQueue('page-c'),
    ];
    const prefix = h.uniqueName('page-');

    const first = await h.client.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2 }));
    const second = await h.client.send(
      new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2, NextToken: first.NextToken }),
    );

    expect(first.QueueUrls).toHaveLength(2);
    expect(first.NextToken).toEqual(expect.any(String));
    expect(second.NextToken).toBeUndefined();
    expect([...(first.QueueUrls ?? []), ...(second.QueueUrls ?? [])].sort()).toEqual(urls.sort());
  });

  it('reports the documented defaults and the computed attributes', async () => {
    const before = Math.floor(Date.now() / 1000);
    const url = await h.createQueue('defaults');

    const out = await h.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );

    const a = out.Attributes ?? {};
    expect(a).toMatchObject({
      VisibilityTimeout: '30',
      MessageRetentionPeriod: '345600',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    });
    expect(Number(a.MaximumMessageSize)).toBeGreaterThanOrEqual(262_144);
    expect(a.QueueArn).toMatch(
      new RegExp(`^arn:aws:sqs:${h.target.region}:\\d{12}:${h.uniqueName('defaults')}$`),
    );
    expect(Number(a.CreatedTimestamp)).toBeGreaterThanOrEqual(before - 5);
    expect(Number(a.LastModifiedTimestamp)).toBeGreaterThanOrEqual(before - 5);
  });

  it('returns only the attributes asked for, and refuses unknown names', async () => {
    const url = await h.createQueue('some-attributes');

    const out = await h.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout', 'DelaySeconds'] }),
    );
    const unknown = await rejectionOf(
      h.client.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['NoSuchAttribute' as 'All'] }),
      ),
    );

    expect(out.Attributes).toEqual({ VisibilityTimeout: '30', DelaySeconds: '0' });
    expect(unknown.name).toBe('InvalidAttributeName');
  });

  it('round-trips settable attributes', async () => {
    const url = await h.createQueue('settable');
    const dlqUrl = await h.createQueue('settable-dlq');
    const dlq = await h.client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const dlqArn = dlq.Attributes!.QueueArn!;
    const wanted = {
      VisibilityTimeout: '120',
      MessageRetentionPeriod: '3600',
      MaximumMessageSize: '2048',
      DelaySeconds: '5',
      ReceiveMessageWaitTimeSeconds: '3',
    };

    await h.client.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: {
          ...wanted,
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 4 }),
        },
      }),
    );
    const out = await h.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );

    expect(out.Attributes).toMatchObject(wanted);
    expect(JSON.parse(out.Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: 4,
    });
  });

  it.each([
    ['VisibilityTimeout', '43201'],
    ['VisibilityTimeout', '-1'],
    ['MessageRetentionPeriod', '59'],
    ['MessageRetentionPeriod', '1209601'],
    ['MaximumMessageSize', '1023'],
    ['MaximumMessageSize', '1048577'],
    ['DelaySeconds', '901'],
    ['ReceiveMessageWaitTimeSeconds', '21'],
    ['VisibilityTimeout', 'thirty'],
  ])('refuses %s = %s', async (name, value) => {
    const url = await h.createQueue('ranges');

    const error = await rejectionOf(
      h.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { [name]: value } })),
    );

    expect(error.name).toBe('InvalidAttributeValue');
  });

  it('refuses a redrive policy whose dead-letter queue does not exist or whose count is out of range', async () => {
    const url = await h.createQueue('redrive-checks');
    const arnOf = (name: string) => `arn:aws:sqs:${h.target.region}:000000000000:${name}`;
    const own = await h.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const account = own.Attributes!.QueueArn!.split(':')[4]!;
    const missing = arnOf(h.uniqueName('no-such-dlq')).replace('000000000000', account);

    const absent = await rejectionOf(
      h.client.send(
        new SetQueueAttributesCommand({
          QueueUrl: url,
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: missing, maxReceiveCount: 3 }) },
        }),
      ),
    );
    const tooMany = await rejectionOf(
      h.client.send(
        new SetQueueAttributesCommand({
          QueueUrl: url,
          Attributes: {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: own.Attributes!.QueueArn,
              maxReceiveCount: 1001,
            }),
          },
        }),
      ),
    );

    expect(absent.name).toBe('InvalidParameterValue');
    expect(tooMany.name).toBe('InvalidParameterValue');
  });

  it('purges every message, and refuses a second purge within 60 seconds', async () => {
    const url = await h.createQueue('purge');
    await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    await h.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two' }));

    await h.client.send(new PurgeQueueCommand({ QueueUrl: url }));
    const after = await h.client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    const again = await rejectionOf(h.client.send(new PurgeQueueCommand({ QueueUrl: url })));

    expect(after.Messages ?? []).toEqual([]);
    expect(again.name).toBe('PurgeQueueInProgress');
  });

  it('lists the queues that use a queue as their dead-letter queue', async () => {
    const dlqUrl = await h.createQueue('dls-dlq');
    const dlq = await h.client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const policy = JSON.stringify({ deadLetterTargetArn: dlq.Attributes!.QueueArn, maxReceiveCount: 2 });
    const source = await h.createQueue('dls-source', { RedrivePolicy: policy });
    await h.createQueue('dls-other');

    const out = await h.client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));

    expect(out.queueUrls).toEqual([source]);
  });

  it('answers QueueDoesNotExist for a URL of a missing queue', async () => {
    const url = await h.createQueue('exists');
    const missing = url.replace(/exists$/, 'missing');

    const error = await rejectionOf(
      h.client.send(new SendMessageCommand({ QueueUrl: missing, MessageBody: 'x' })),
    );

    expect(error.name).toBe('QueueDoesNotExist');
  });
});

describe.skipIf(external)('SQS stand-in refusals', () => {
  it('refuses FIFO queues clearly, by name or by attribute', async () => {
    const byName = await rejectionOf(
      h.client.send(new CreateQueueCommand({ QueueName: h.uniqueName('q.fifo') })),
    );
    const byAttribute = await rejectionOf(
      h.client.send(
        new CreateQueueCommand({ QueueName: h.uniqueName('q'), Attributes: { FifoQueue: 'true' } }),
      ),
    );

    for (const error of [byName, byAttribute]) {
      expect(error.name).toBe('UnsupportedOperation');
      expect(error.message).toMatch(/FIFO queues are not supported/);
    }
  });

  it('refuses an action it does not implement, naming it', async () => {
    const url = await h.createQueue('tags');

    const error = await rejectionOf(
      h.client.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'data' } })),
    );

    expect(error.name).toBe('UnsupportedOperation');
    expect(error.message).toMatch(/TagQueue is not implemented/);
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400 });
  });
});
