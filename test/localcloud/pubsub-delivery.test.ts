/**
 * Pub/Sub conformance, delivery: publish and receive through the official client's StreamingPull
 * and through the raw Pull call, the publish limits, nacks and expired ack deadlines.
 */

import type { Message, protos } from '@google-cloud/pubsub';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PubSubHarness, pubsubHarness, receive, rejectionOf, sleep } from './pubsub-harness.js';

type ReceivedMessage = protos.google.pubsub.v1.IReceivedMessage;

let h: PubSubHarness;
beforeAll(async () => {
  h = await pubsubHarness();
});
afterAll(() => h.stop());

/** Pulls until `count` messages came or `timeoutMs` passed. */
async function pullSome(subscription: string, count: number, timeoutMs = 5000) {
  const got: ReceivedMessage[] = [];
  const until = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < until) {
    const [response] = await h.subscriber.pull({ subscription, maxMessages: count - got.length });
    got.push(...(response.receivedMessages ?? []));
  }
  return got;
}

describe.concurrent('Pub/Sub delivery', () => {
  it('delivers data bytes and attributes intact over StreamingPull, with unique ids', async () => {
    const topic = await h.createTopic('round-trip');
    const subscription = await h.createSubscription(topic, 'round-trip');
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

    const ids = await Promise.all([
      topic.publishMessage({ data: bytes, attributes: { kind: 'binary' } }),
      topic.publishMessage({ data: Buffer.from('{"price":"1.5"}'), attributes: { kind: 'json', n: '2' } }),
      topic.publishMessage({ data: Buffer.alloc(0), attributes: { only: 'attributes' } }),
    ]);
    const messages = await receive(subscription, 3);

    const byKind = new Map(messages.map((m) => [m.attributes.kind ?? 'none', m]));
    expect(byKind.get('binary')?.data.equals(bytes)).toBe(true);
    expect(byKind.get('json')?.data.toString()).toBe('{"price":"1.5"}');
    expect(byKind.get('json')?.attributes).toEqual({ kind: 'json', n: '2' });
    expect(byKind.get('none')?.attributes).toEqual({ only: 'attributes' });
    expect(new Set(ids).size).toBe(3);
    expect(messages.map((m) => m.id).sort()).toEqual([...ids].sort());
    for (const id of ids) expect(id).toMatch(/^\d+$/);
    for (const m of messages) expect(Math.abs(m.publishTime.getTime() - Date.now())).toBeLessThan(10_000);
  });

  it('delivers 1,000 messages published in one request exactly once when acked', async () => {
    const topic = await h.createTopic('thousand');
    const subscription = await h.createSubscription(topic, 'thousand');
    const messages = Array.from({ length: 1000 }, (_, i) => ({ data: Buffer.from(`m${i}`) }));

    const [published] = await h.publisher.publish({ topic: topic.name, messages });
    const counts = new Map<string, number>();
    await receive(subscription, 1000, {
      onMessage: (m) => {
        counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
        m.ack();
      },
    });
    await sleep(300);

    expect(published.messageIds).toHaveLength(1000);
    expect(new Set(published.messageIds).size).toBe(1000);
    expect([...counts.keys()].sort()).toEqual([...(published.messageIds ?? [])].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('refuses a publish of more than 1,000 messages', async () => {
    const topic = await h.createTopic('too-many');
    const messages = Array.from({ length: 1001 }, () => ({ data: Buffer.from('x') }));

    const error = await rejectionOf(h.publisher.publish({ topic: topic.name, messages }));

    expect(error.code).toBe(status.INVALID_ARGUMENT);
  });

  it('refuses a publish of more than 10 MB', async () => {
    const topic = await h.createTopic('too-big');
    const data = Buffer.alloc(11 * 1024 * 1024, 1);

    const error = await rejectionOf(h.publisher.publish({ topic: topic.name, messages: [{ data }] }));

    expect(error.code).toBe(status.INVALID_ARGUMENT);
  });

  it('refuses a message with neither data nor attributes, and a publish to a missing topic', async () => {
    const topic = await h.createTopic('empty-message');

    const empty = await rejectionOf(h.publisher.publish({ topic: topic.name, messages: [{}] }));
    const missing = await rejectionOf(
      h.publisher.publish({ topic: h.topicPath(h.id('missing')), messages: [{ data: Buffer.from('x') }] }),
    );

    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    expect(missing.code).toBe(status.NOT_FOUND);
  });

  it('serves Pull and Acknowledge through the gapic subscriber client', async () => {
    const topic = await h.createTopic('unary-pull');
    const subscription = await h.createSubscription(topic, 'unary-pull');
    await topic.publishMessage({ data: Buffer.from('one') });
    await topic.publishMessage({ data: Buffer.from('two') });

    const got = await pullSome(subscription.name, 2);
    await h.subscriber.acknowledge({ subscription: subscription.name, ackIds: got.map((r) => r.ackId!) });
    const [after] = await h.subscriber.pull({
      subscription: subscription.name,
      maxMessages: 10,
      returnImmediately: true,
    });

    expect(got.map((r) => Buffer.from(r.message!.data!).toString()).sort()).toEqual(['one', 'two']);
    expect(after.receivedMessages ?? []).toHaveLength(0);
  });

  it('delivers only messages published after the subscription was created', async () => {
    const topic = await h.createTopic('after-create');
    await topic.publishMessage({ data: Buffer.from('before') });
    const subscription = await h.createSubscription(topic, 'after-create');
    await topic.publishMessage({ data: Buffer.from('after') });

    const [got] = await h.subscriber.pull({ subscription: subscription.name, maxMessages: 10 });

    expect((got.receivedMessages ?? []).map((r) => Buffer.from(r.message!.data!).toString())).toEqual([
      'after',
    ]);
  });

  it('redelivers a nacked message', async () => {
    const topic = await h.createTopic('nack');
    const subscription = await h.createSubscription(topic, 'nack');
    await topic.publishMessage({ data: Buffer.from('again') });

    const messages = await receive(subscription, 2, {
      onMessage: (m: Message, all) => (all.length === 1 ? m.nack() : m.ack()),
    });

    expect(messages.map((m) => m.data.toString())).toEqual(['again', 'again']);
    expect(messages[1]!.id).toBe(messages[0]!.id);
    expect(messages[1]!.ackId).not.toBe(messages[0]!.ackId);
  });

  it('redelivers a message whose ack deadline expired', async () => {
    const topic = await h.createTopic('expiry');
    const subscription = await h.createSubscription(topic, 'expiry');
    await topic.publishMessage({ data: Buffer.from('late') });

    const [first] = await pullSome(subscription.name, 1);
    await h.subscriber.modifyAckDeadline({
      subscription: subscription.name,
      ackIds: [first!.ackId!],
      ackDeadlineSeconds: 1,
    });
    const [hidden] = await h.subscriber.pull({
      subscription: subscription.name,
      maxMessages: 1,
      returnImmediately: true,
    });
    await sleep(1100);
    const [second] = await pullSome(subscription.name, 1);

    expect(hidden.receivedMessages ?? []).toHaveLength(0);
    expect(second?.message?.messageId).toBe(first?.message?.messageId);
    expect(second?.ackId).not.toBe(first?.ackId);
  });

  it('refuses an ack deadline over 600 seconds in ModifyAckDeadline', async () => {
    const topic = await h.createTopic('modack-range');
    const subscription = await h.createSubscription(topic, 'modack-range');
    await topic.publishMessage({ data: Buffer.from('x') });
    const [got] = await pullSome(subscription.name, 1);

    const error = await rejectionOf(
      h.subscriber.modifyAckDeadline({
        subscription: subscription.name,
        ackIds: [got!.ackId!],
        ackDeadlineSeconds: 601,
      }),
    );

    expect(error.code).toBe(status.INVALID_ARGUMENT);
  });
});
