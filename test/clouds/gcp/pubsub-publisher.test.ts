/**
 * PubSubPublisher through the official client against the local Pub/Sub stand-in: ordering per
 * symbol, batching into few requests, size limits, and failures while the service is down.
 */
import { type Message, PubSub, type Subscription, type Topic } from '@google-cloud/pubsub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudError } from '../../../clouds/errors.js';
import { PubSubPublisher } from '../../../clouds/gcp/pubsub-publisher.js';
import { decodeMessageBody } from '../../../clouds/message.js';
import type { OutboundMessage, PublishOutcome } from '../../../clouds/ports.js';
import { type LocalCloud, startLocalCloud } from '../../../localcloud/launcher.js';
import { rejectionOf } from '../../support/errors.js';
import { sizedMessage, tradeBatchMessage } from '../../support/outbound.js';

let cloud: LocalCloud;
let pubsub: PubSub;
let topics = 0;
const publishers: PubSubPublisher[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({ services: ['pubsub'] });
  pubsub = new PubSub({
    projectId: cloud.env.GOOGLE_CLOUD_PROJECT,
    apiEndpoint: cloud.env.PUBSUB_EMULATOR_HOST,
  });
});

afterEach(() => {
  cloud.faults.reset();
  cloud.faults.resetCounts();
});

afterAll(async () => {
  await Promise.allSettled(publishers.map((p) => p.close()));
  await pubsub.close();
  await cloud.stop();
});

async function topicWithSubscription(): Promise<{ topic: Topic; subscription: Subscription }> {
  const [topic] = await pubsub.createTopic(`trades-${++topics}`);
  const [subscription] = await topic.createSubscription(`trades-${topics}-sub`, {
    enableMessageOrdering: true,
  });
  return { topic, subscription };
}

function publisherFor(topic: Topic, publishTimeoutMs?: number): PubSubPublisher {
  const publisher = new PubSubPublisher({ pubsub, topicName: topic.name, publishTimeoutMs });
  publishers.push(publisher);
  return publisher;
}

async function batchMessage(
  symbol: string,
  firstId: number,
  count: number,
  gzip: boolean,
): Promise<OutboundMessage> {
  return (await tradeBatchMessage(count, firstId, gzip ? 0 : Infinity, symbol)).message;
}

/** Listens until `count` messages have arrived, acking each; fails naming how many came. */
function receive(subscription: Subscription, count: number, timeoutMs = 15_000): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const got: Message[] = [];
    const finish = (err?: Error) => {
      clearTimeout(timer);
      subscription.removeAllListeners('message');
      subscription.removeAllListeners('error');
      void subscription.close().then(() => (err === undefined ? resolve(got) : reject(err)));
    };
    const timer = setTimeout(() => finish(new Error(`received ${got.length} of ${count}`)), timeoutMs);
    subscription.on('message', (m: Message) => {
      got.push(m);
      m.ack();
      if (got.length === count) finish();
    });
    subscription.on('error', finish);
  });
}

/** The firstIds of each symbol's messages, in arrival order. */
function arrivalOrder(messages: readonly Message[]): Record<string, number[]> {
  const order: Record<string, number[]> = {};
  for (const m of messages) {
    const batch = decodeMessageBody(m.data.toString('utf8'), m.attributes);
    expect(m.orderingKey).toBe(batch.symbol);
    const ids = order[batch.symbol] ?? [];
    ids.push(batch.firstId);
    order[batch.symbol] = ids;
  }
  return order;
}

function summary(outcome: PublishOutcome): [number, boolean, string][] {
  return outcome.failed.map((f) => [f.index, f.retryable, (f.error as CloudError).code]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('PubSubPublisher', () => {
  it('delivers many messages in order per symbol with attributes intact, one request per symbol', async () => {
    const { topic, subscription } = await topicWithSubscription();
    const publisher = publisherFor(topic);
    const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
    const messages: OutboundMessage[] = [];
    for (let i = 0; i < 40; i++) {
      for (const [s, symbol] of symbols.entries()) {
        messages.push(await batchMessage(symbol, 1_000 + i * 10, 10, (i + s) % 2 === 0));
      }
    }

    const outcome = await publisher.publish(messages);
    const received = await receive(subscription, messages.length);

    expect(outcome).toEqual({ failed: [] });
    expect(cloud.faults.total('pubsub', 'Publish')).toBe(3);
    const expected = Array.from({ length: 40 }, (_, i) => 1_000 + i * 10);
    expect(arrivalOrder(received)).toEqual({ BTCUSDT: expected, ETHUSDT: expected, SOLUSDT: expected });
    const byId = new Map(messages.map((m) => [`${m.symbol}/${m.firstId}`, m]));
    for (const m of received) {
      const sent = byId.get(
        `${m.orderingKey}/${decodeMessageBody(m.data.toString(), m.attributes).firstId}`,
      )!;
      expect(m.attributes).toEqual(sent.attributes);
      expect(m.data.toString()).toBe(sent.body);
    }
  });

  it('fills requests up to 1,000 messages and keeps their order across requests', async () => {
    const { topic, subscription } = await topicWithSubscription();
    const publisher = publisherFor(topic);
    const messages = await Promise.all(
      Array.from({ length: 1500 }, (_, i) => batchMessage('BNBUSDT', i * 2, 2, false)),
    );

    const outcome = await publisher.publish(messages);
    const received = await receive(subscription, 1500);

    expect(outcome.failed).toEqual([]);
    expect(cloud.faults.total('pubsub', 'Publish')).toBe(2);
    expect(arrivalOrder(received).BNBUSDT).toEqual(messages.map((m) => m.firstId));
  });

  it('sends a message near the 10 MB limit and refuses one over it without a request', async () => {
    const { topic, subscription } = await topicWithSubscription();
    const publisher = publisherFor(topic);
    const fits = sizedMessage(publisher.limits.maxMessageBytes, 1);
    const over = sizedMessage(10_000_000 - 6, 2); // with the 7-byte ordering key: 10,000,001

    const outcome = await publisher.publish([fits, over]);
    const [got] = await receive(subscription, 1);

    expect(summary(outcome)).toEqual([[1, false, 'TOO_LARGE']]);
    expect(cloud.faults.total('pubsub', 'Publish')).toBe(1);
    expect(got!.data.length).toBe(publisher.limits.maxMessageBytes);
  });

  it('reports retryable failures while down, and a retry goes through once it is back', async () => {
    const { topic, subscription } = await topicWithSubscription();
    const publisher = publisherFor(topic, 1500);
    const messages = await Promise.all([1, 2, 3].map((i) => batchMessage('BTCUSDT', i * 100, 5, i === 2)));
    const first = await publisher.publish([messages[0]!]);

    cloud.faults.set('pubsub', { down: true });
    await sleep(50);
    const failed = await publisher.publish(messages.slice(1));
    cloud.faults.set('pubsub', { down: false });
    let retry = messages.slice(1);
    let attempts = 0;
    // The client backs off reconnecting by a few seconds; each attempt resends what failed, in order.
    for (; retry.length > 0 && attempts < 10; attempts++) {
      const outcome = await publisher.publish(retry);
      retry = outcome.failed.map((f) => retry[f.index]!);
    }
    const received = await receive(subscription, 3);

    expect(first.failed).toEqual([]);
    expect(summary(failed)).toEqual([
      [0, true, 'UNAVAILABLE'],
      [1, true, 'UNAVAILABLE'],
    ]);
    expect(retry).toEqual([]);
    expect(arrivalOrder(received)).toEqual({ BTCUSDT: [100, 200, 300] });
  });

  it('reports every message not retryable when the topic does not exist', async () => {
    const publisher = new PubSubPublisher({ pubsub, topicName: 'no-such-topic' });
    publishers.push(publisher);

    const outcome = await publisher.publish([await batchMessage('BTCUSDT', 1, 1, false)]);

    expect(summary(outcome)).toEqual([[0, false, 'NOT_FOUND']]);
  });

  it('refuses to publish after close', async () => {
    const { topic } = await topicWithSubscription();
    const publisher = publisherFor(topic);
    await publisher.close();

    const err = await rejectionOf(publisher.publish([await batchMessage('BTCUSDT', 1, 1, false)]));

    expect(err).toBeInstanceOf(CloudError);
    expect([err.code, err.retryable]).toEqual(['REJECTED', false]);
    expect([publisher.name, publisher.limits.maxMessagesPerCall, publisher.limits.maxBytesPerCall]).toEqual([
      'pubsub',
      1000,
      9 * 1024 * 1024,
    ]);
  });
});
