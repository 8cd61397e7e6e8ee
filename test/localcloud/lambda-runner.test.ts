import { createHash } from 'node:crypto';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../localcloud/aws-local.js';
import { FaultController } from '../../localcloud/faults.js';
import type { RunningHttpService } from '../../localcloud/http-service.js';
import {
  type InvocationOutcome,
  LambdaRunner,
  LambdaRunnerError,
  type SqsHandler,
} from '../../localcloud/lambda-runner.js';
import { startSqs } from '../../localcloud/sqs/index.js';

let sqsServer: RunningHttpService;
let sqs: SQSClient;
let queueCounter = 0;
const runners: LambdaRunner[] = [];

beforeAll(async () => {
  sqsServer = await startSqs(new FaultController(), { port: 0 });
  sqs = new SQSClient({ endpoint: sqsServer.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  sqs.destroy();
  await sqsServer.close();
});

async function queue(attributes: Record<string, string> = {}): Promise<string> {
  const out = await sqs.send(
    new CreateQueueCommand({ QueueName: `runner-${++queueCounter}`, Attributes: attributes }),
  );
  return out.QueueUrl!;
}

async function withDlq(maxReceiveCount: number): Promise<{ url: string; dlqUrl: string }> {
  const dlqUrl = await queue();
  const dlq = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const url = await queue({
    VisibilityTimeout: '1',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.Attributes!.QueueArn, maxReceiveCount }),
  });
  return { url, dlqUrl };
}

async function send(url: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: bodies.slice(i, i + 10).map((b, k) => ({ Id: `m${k}`, MessageBody: b })),
      }),
    );
  }
}

function run(
  url: string,
  handler: SqsHandler,
  extra: Partial<ConstructorParameters<typeof LambdaRunner>[0]> = {},
) {
  const outcomes: InvocationOutcome[] = [];
  const runner = new LambdaRunner({
    sqs,
    queueUrl: url,
    handler,
    onInvocation: (o) => outcomes.push(o),
    ...extra,
  });
  runners.push(runner);
  return { runner, outcomes };
}

async function until(check: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function depth(url: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes!.ApproximateNumberOfMessages) +
    Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible)
  );
}

describe('LambdaRunner', () => {
  it('invokes with the SQSEvent shape Lambda sends and deletes a successful batch', async () => {
    const url = await queue();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: '{"v":1}',
        MessageAttributes: { contentEncoding: { DataType: 'String', StringValue: 'gzip' } },
      }),
    );
    const events: SQSEvent[] = [];
    const { runner, outcomes } = run(url, async (event) => {
      events.push(event);
    });

    await runner.start();
    await until(() => outcomes.length === 1);

    const record = events[0]!.Records[0]!;
    expect(record.body).toBe('{"v":1}');
    expect(record.md5OfBody).toBe(createHash('md5').update('{"v":1}').digest('hex'));
    expect(record.attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(record.messageAttributes.contentEncoding).toMatchObject({
      dataType: 'String',
      stringValue: 'gzip',
    });
    expect(record.eventSource).toBe('aws:sqs');
    expect(record.eventSourceARN).toMatch(/^arn:aws:sqs:us-east-1:\d{12}:runner-\d+$/);
    expect(record.awsRegion).toBe('us-east-1');
    expect(outcomes[0]).toEqual({ records: 1, deleted: 1, failed: 0, error: undefined });
    expect(await depth(url)).toBe(0);
  });

  it('deletes the successes of a partial failure and redelivers only the failed record', async () => {
    const url = await queue({ VisibilityTimeout: '1' });
    await send(url, ['a', 'b', 'c']);
    const seen: string[] = [];
    const { runner, outcomes } = run(
      url,
      async (event) => {
        seen.push(...event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
        const b = event.Records.find((r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1');
        return { batchItemFailures: b === undefined ? [] : [{ itemIdentifier: b.messageId }] };
      },
      { reportBatchItemFailures: true, concurrency: 1 },
    );

    await runner.start();
    await until(() => seen.includes('b#2'));
    expect(seen.filter((s) => s.startsWith('a'))).toEqual(['a#1']);
    expect(seen.filter((s) => s.startsWith('c'))).toEqual(['c#1']);
    expect(seen.filter((s) => s.startsWith('b'))).toEqual(['b#1', 'b#2']);
    expect(outcomes.reduce((n, o) => n + o.failed, 0)).toBe(1);
  }, 15_000);

  it('fails the whole batch when the handler throws, so every record comes back', async () => {
    const url = await queue({ VisibilityTimeout: '1' });
    await send(url, ['x', 'y']);
    let calls = 0;
    const received: string[] = [];
    const { runner, outcomes } = run(
      url,
      async (event) => {
        calls++;
        received.push(...event.Records.map((r) => r.body));
        if (calls === 1) throw new Error('downstream unavailable');
      },
      { concurrency: 1, batchSize: 10, batchingWindowMs: 300 },
    );

    await runner.start();
    await until(() => received.length >= 4);

    expect(outcomes[0]).toEqual({ records: 2, deleted: 0, failed: 2, error: 'downstream unavailable' });
    expect(received.sort()).toEqual(['x', 'x', 'y', 'y']);
    await until(() => outcomes.length >= 2);
    expect(await depth(url)).toBe(0);
  }, 15_000);

  it('moves a poison message to the dead-letter queue after maxReceiveCount receives', async () => {
    const { url, dlqUrl } = await withDlq(2);
    await send(url, ['poison']);
    let attempts = 0;
    const { runner } = run(
      url,
      async () => {
        attempts++;
        throw new Error('cannot parse');
      },
      { concurrency: 1 },
    );

    await runner.start();
    await until(() => attempts === 2);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 5 }));

    expect(dead.Messages?.map((m) => m.Body)).toEqual(['poison']);
    expect(attempts).toBe(2);
    expect(await depth(url)).toBe(0);
  }, 15_000);

  it('gathers a large batch within the batching window', async () => {
    const url = await queue();
    await send(
      url,
      Array.from({ length: 35 }, (_, i) => `m${i}`),
    );
    const sizes: number[] = [];
    const { runner } = run(
      url,
      async (event) => {
        sizes.push(event.Records.length);
      },
      { batchSize: 100, batchingWindowMs: 1000, concurrency: 1 },
    );

    await runner.start();
    await until(() => sizes.reduce((a, b) => a + b, 0) === 35);

    expect(sizes).toEqual([35]);
  }, 15_000);

  it('treats a response naming a record outside the batch as a failure of the whole batch', async () => {
    const url = await queue({ VisibilityTimeout: '30' });
    await send(url, ['one']);
    const { runner, outcomes } = run(
      url,
      async () => ({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] }),
      {
        reportBatchItemFailures: true,
      },
    );

    await runner.start();
    await until(() => outcomes.length === 1);

    expect(outcomes[0]?.deleted).toBe(0);
    expect(outcomes[0]?.error).toContain('not-in-batch');
  });

  it('fails an invocation that runs past the timeout', async () => {
    const url = await queue({ VisibilityTimeout: '30' });
    await send(url, ['slow']);
    const { runner, outcomes } = run(url, () => new Promise((r) => setTimeout(r, 2000)), { timeoutMs: 200 });

    await runner.start();
    await until(() => outcomes.length === 1);

    expect(outcomes[0]).toMatchObject({ records: 1, deleted: 0, failed: 1 });
    expect(outcomes[0]?.error).toContain('timed out after 200 ms');
  });

  it('runs up to the configured number of invocations at once', async () => {
    const url = await queue();
    await send(
      url,
      Array.from({ length: 30 }, (_, i) => `m${i}`),
    );
    let active = 0;
    let peak = 0;
    let done = 0;
    const { runner } = run(
      url,
      async (event) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 150));
        active--;
        done += event.Records.length;
      },
      { concurrency: 3, batchSize: 2 },
    );

    await runner.start();
    await until(() => done === 30);

    expect(peak).toBe(3);
  }, 15_000);

  it('refuses settings Lambda refuses', () => {
    const base = { sqs, queueUrl: 'http://x', handler: async () => {} };
    expect(() => new LambdaRunner({ ...base, batchSize: 100 })).toThrow(LambdaRunnerError);
    expect(() => new LambdaRunner({ ...base, batchSize: 100 })).toThrow('batching window of at least 1 s');
    expect(() => new LambdaRunner({ ...base, batchSize: 10_001, batchingWindowMs: 1000 })).toThrow(
      'batchSize must be 1..10000',
    );
    expect(() => new LambdaRunner({ ...base, concurrency: 0 })).toThrow(
      'concurrency must be a positive integer',
    );
  });
});
