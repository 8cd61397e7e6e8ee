import type { CloudEvent } from '@google-cloud/functions-framework';
import { PubSub } from '@google-cloud/pubsub';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultController } from '../../localcloud/faults.js';
import {
  type FunctionOutcome,
  FunctionsRunner,
  type MessagePublishedData,
} from '../../localcloud/functions-runner.js';
import { startPubSub } from '../../localcloud/pubsub/index.js';

const PROJECT = 'local-project';
let stop: () => Promise<void>;
let pubsub: PubSub;
let counter = 0;
const runners: FunctionsRunner[] = [];

beforeAll(async () => {
  const running = await startPubSub(new FaultController(), { port: 0 });
  stop = () => running.close();
  pubsub = new PubSub({
    projectId: PROJECT,
    servicePath: running.host,
    port: running.port,
    sslCreds: grpc.credentials.createInsecure(),
  });
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await pubsub.close();
  await stop();
});

async function setup(
  handler: (event: CloudEvent<MessagePublishedData>) => unknown,
  extra: Partial<ConstructorParameters<typeof FunctionsRunner>[0]> = {},
) {
  const n = ++counter;
  const [topic] = await pubsub.createTopic(`trades-${n}`);
  const outcomes: FunctionOutcome[] = [];
  const runner = new FunctionsRunner({
    pubsub,
    projectId: PROJECT,
    topic: `trades-${n}`,
    functionName: `candles-${n}`,
    handler,
    minimumBackoffSeconds: 0,
    maximumBackoffSeconds: 1,
    onInvocation: (o) => outcomes.push(o),
    ...extra,
  });
  runners.push(runner);
  await runner.start();
  return { topic, outcomes, runner, n };
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('FunctionsRunner', () => {
  it('delivers each message as a messagePublished CloudEvent and acks on success', async () => {
    const events: CloudEvent<MessagePublishedData>[] = [];
    const { topic, outcomes, n } = await setup((event) => {
      events.push(event);
    });

    const messageId = await topic.publishMessage({
      data: Buffer.from('{"v":1}'),
      attributes: { contentEncoding: 'gzip' },
    });
    await until(() => outcomes.length === 1);
    await new Promise((r) => setTimeout(r, 300)); // an ack must not be followed by a redelivery

    const event = events[0]!;
    expect(events).toHaveLength(1);
    expect(event.type).toBe('google.cloud.pubsub.topic.v1.messagePublished');
    expect(event.specversion).toBe('1.0');
    expect(event.source).toBe(`//pubsub.googleapis.com/projects/${PROJECT}/topics/trades-${n}`);
    expect(event.id).toBe(messageId);
    expect(Buffer.from(event.data!.message.data!, 'base64').toString()).toBe('{"v":1}');
    expect(event.data!.message.attributes).toEqual({ contentEncoding: 'gzip' });
    expect(event.data!.subscription).toBe(`projects/${PROJECT}/subscriptions/candles-${n}-trigger`);
    expect(outcomes[0]!.status).toBe(204);
  });

  it('nacks when the function throws, so the message is delivered again', async () => {
    let calls = 0;
    const { topic, outcomes } = await setup(() => {
      calls++;
      if (calls === 1) throw new Error('store unavailable');
    });

    await topic.publishMessage({ data: Buffer.from('retry me') });
    await until(() => outcomes.length === 2);

    expect(outcomes.map((o) => o.status)).toEqual([500, 204]);
    expect(outcomes[0]!.messageId).toBe(outcomes[1]!.messageId);
  });

  it('ends a poison message in the dead-letter topic after maxDeliveryAttempts', async () => {
    const [deadLetter] = await pubsub.createTopic(`dead-${counter + 1}`);
    const [dlqSub] = await deadLetter.createSubscription(`dead-${counter + 1}-sub`);
    const { topic, outcomes } = await setup(
      () => {
        throw new Error('cannot parse');
      },
      { deadLetterTopic: `dead-${counter + 1}`, maxDeliveryAttempts: 5 },
    );

    const dead: string[] = [];
    dlqSub.on('message', (m) => {
      dead.push(m.data.toString());
      m.ack();
    });

    await topic.publishMessage({ data: Buffer.from('poison') });
    await until(() => outcomes.length === 5 && dead.length === 1);
    await dlqSub.close();

    expect(outcomes.map((o) => o.deliveryAttempt)).toEqual([1, 2, 3, 4, 5]);
    expect(outcomes.every((o) => o.status === 500)).toBe(true);
    expect(dead).toEqual(['poison']);
  }, 30_000);

  it('nacks a run longer than the timeout', async () => {
    let calls = 0;
    const { topic, outcomes } = await setup(
      async () => {
        calls++;
        if (calls === 1) await new Promise((r) => setTimeout(r, 3000));
      },
      { timeoutMs: 300 },
    );

    await topic.publishMessage({ data: Buffer.from('slow') });
    await until(() => outcomes.length >= 2);

    expect(outcomes[0]!.status).toBe(504);
    expect(outcomes[1]!.status).toBe(204);
  }, 20_000);
});
