/**
 * The SQS stand-in's wire protocol, seen with plain HTTP: errors carry `__type`, the query code
 * header and a message naming the problem; queue URLs resolve whatever host the client used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultController } from '../../localcloud/faults.js';
import { type RunningSqs, startSqs } from '../../localcloud/sqs/index.js';
import { external } from './aws-target.js';

let sqs: RunningSqs | undefined;
beforeAll(async () => {
  if (!external) sqs = await startSqs(new FaultController(), { port: 0 });
});
afterAll(() => sqs?.close());

interface Answer {
  readonly status: number;
  readonly queryError: string | null;
  readonly body: Record<string, unknown>;
}

async function call(
  target: string,
  body: string,
  contentType = 'application/x-amz-json-1.0',
): Promise<Answer> {
  const res = await fetch(`${sqs!.url}/`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-amz-target': target },
    body,
  });
  return {
    status: res.status,
    queryError: res.headers.get('x-amzn-query-error'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

describe.skipIf(external)('SQS wire protocol', () => {
  it('answers a queue that does not exist with the shape, the query code and a message', async () => {
    const out = await call('AmazonSQS.GetQueueUrl', JSON.stringify({ QueueName: 'nowhere' }));

    expect(out).toEqual({
      status: 400,
      queryError: 'AWS.SimpleQueueService.NonExistentQueue;Sender',
      body: { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: expect.any(String) },
    });
  });

  it('refuses an unknown action as InvalidAction, naming it', async () => {
    const out = await call('AmazonSQS.FlyToTheMoon', '{}');

    expect(out.status).toBe(400);
    expect(out.queryError).toBe('InvalidAction;Sender');
    expect(out.body.message).toMatch(/FlyToTheMoon is not an SQS action/);
  });

  it('refuses malformed JSON, saying so', async () => {
    const out = await call('AmazonSQS.ListQueues', '{"QueueNamePrefix": ');

    expect(out.status).toBe(400);
    expect(out.body.message).toMatch(/not valid JSON/);
  });

  it('names a missing required parameter', async () => {
    const out = await call('AmazonSQS.SendMessage', JSON.stringify({ MessageBody: 'x' }));

    expect(out.queryError).toBe('MissingParameter;Sender');
    expect(out.body.message).toMatch(/QueueUrl/);
  });

  it('refuses the query protocol with a clear message', async () => {
    const out = await call('', 'Action=ListQueues', 'application/x-www-form-urlencoded');

    expect(out.status).toBe(400);
    expect(out.body.message).toMatch(/AWS JSON 1\.0/);
  });

  it('resolves a queue URL by account and name whatever host it names', async () => {
    const created = await call('AmazonSQS.CreateQueue', JSON.stringify({ QueueName: 'anyhost' }));
    const otherHost = String(created.body.QueueUrl).replace('127.0.0.1', 'localhost');

    const sent = await call(
      'AmazonSQS.SendMessage',
      JSON.stringify({ QueueUrl: otherHost, MessageBody: 'x' }),
    );

    expect(created.body.QueueUrl).toBe(`${sqs!.url}/000000000000/anyhost`);
    expect(sent.status).toBe(200);
    expect(sent.body.MessageId).toEqual(expect.any(String));
  });

  it('answers ListQueues without queues with an empty object', async () => {
    const out = await call('AmazonSQS.ListQueues', JSON.stringify({ QueueNamePrefix: 'zzz-none' }));

    expect(out).toEqual({ status: 200, queryError: null, body: {} });
  });
});
