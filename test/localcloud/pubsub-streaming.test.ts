/**
 * Pub/Sub conformance, the StreamingPull protocol itself, spoken with a raw gRPC client built
 * from the same protos: flow control, acks and nacks on the stream, keepalives, and the errors
 * a malformed stream gets.
 */
import { type ClientDuplexStream, credentials, makeGenericClientConstructor, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pubsubServices,
  type StreamingPullRequest,
  type StreamingPullResponse,
} from '../../localcloud/pubsub/wire.js';
import { type PubSubHarness, pubsubHarness, sleep, until } from './pubsub-harness.js';

type Stream = ClientDuplexStream<Partial<StreamingPullRequest>, StreamingPullResponse>;

let h: PubSubHarness;
let raw: { StreamingPull(): Stream; close(): void };
beforeAll(async () => {
  h = await pubsubHarness();
  const Subscriber = makeGenericClientConstructor(pubsubServices().subscriber, 'Subscriber');
  raw = new Subscriber(h.target.endpoint, credentials.createInsecure()) as unknown as typeof raw;
});
afterAll(async () => {
  raw?.close();
  await h?.stop();
});

/** Opens a stream and records every response and the final status. */
function open(first: Partial<StreamingPullRequest>) {
  const stream = raw.StreamingPull();
  const responses: StreamingPullResponse[] = [];
  const received = () => responses.flatMap((r) => r.receivedMessages ?? []);
  const ended = new Promise<{ code: number; details: string }>((resolve) => {
    stream.on('error', (err: { code: number; details: string }) => resolve(err));
    stream.on('status', (s: { code: number; details: string }) => resolve(s));
  });
  stream.on('data', (r: StreamingPullResponse) => responses.push(r));
  stream.write(first);
  return { stream, responses, received, ended };
}

async function subscriptionWith(base: string, messages: number): Promise<string> {
  const topic = await h.createTopic(base);
  const subscription = await h.createSubscription(topic, base);
  for (let i = 0; i < messages; i++) await topic.publishMessage({ data: Buffer.from(`m${i}`) });
  return subscription.name;
}

describe.concurrent('Pub/Sub StreamingPull protocol', () => {
  it('sends no more than max_outstanding_messages until acks on the stream free room', async () => {
    const subscription = await subscriptionWith('flow', 5);
    const s = open({ subscription, streamAckDeadlineSeconds: 30, maxOutstandingMessages: 2 });

    await until(() => s.received().length === 2, 5000, 'the first two messages');
    await sleep(200);
    const held = s.received().length;
    s.stream.write({ ackIds: s.received().map((m) => m.ackId) });
    await until(() => s.received().length === 4, 5000, 'two more after the acks');
    s.stream.end();

    expect(held).toBe(2);
    expect(new Set(s.received().map((m) => m.message.messageId)).size).toBe(4);
  });

  it('tells the client whether the subscription orders messages', async () => {
    const subscription = await subscriptionWith('properties', 0);
    const s = open({ subscription, streamAckDeadlineSeconds: 10 });

    await until(() => s.responses.some((r) => r.subscriptionProperties), 5000, 'subscription properties');
    s.stream.end();

    const properties = s.responses.find((r) => r.subscriptionProperties)!.subscriptionProperties!;
    expect(properties.messageOrderingEnabled).toBe(false);
    expect(properties.exactlyOnceDeliveryEnabled).toBe(false);
  });

  it('redelivers a message nacked with a zero deadline on the stream', async () => {
    const subscription = await subscriptionWith('stream-nack', 1);
    const s = open({ subscription, streamAckDeadlineSeconds: 30 });

    await until(() => s.received().length === 1, 5000, 'the first delivery');
    const first = s.received()[0]!;
    s.stream.write({ modifyDeadlineAckIds: [first.ackId], modifyDeadlineSeconds: [0] });
    await until(() => s.received().length === 2, 5000, 'the redelivery');
    s.stream.end();

    expect(s.received()[1]!.message.messageId).toBe(first.message.messageId);
  });

  it('answers an empty keepalive request with a response', async () => {
    const subscription = await subscriptionWith('keepalive', 0);
    const s = open({ subscription, streamAckDeadlineSeconds: 10 });
    await sleep(200);
    const before = s.responses.length;

    s.stream.write({});
    await until(() => s.responses.length > before, 5000, 'a keepalive response');
    s.stream.end();

    expect(s.responses.at(-1)?.receivedMessages ?? []).toHaveLength(0);
  });

  it('ends the stream with NOT_FOUND for an unknown subscription', async () => {
    const s = open({ subscription: h.subscriptionPath(h.id('nowhere')), streamAckDeadlineSeconds: 10 });

    expect((await s.ended).code).toBe(status.NOT_FOUND);
  });

  it('ends the stream with INVALID_ARGUMENT for a stream ack deadline out of range', async () => {
    const subscription = await subscriptionWith('bad-stream-deadline', 0);
    const s = open({ subscription, streamAckDeadlineSeconds: 5 });

    expect((await s.ended).code).toBe(status.INVALID_ARGUMENT);
  });

  it('ends the stream with INVALID_ARGUMENT when deadline ids and seconds do not pair up', async () => {
    const subscription = await subscriptionWith('unpaired', 0);
    const s = open({ subscription, streamAckDeadlineSeconds: 10 });

    s.stream.write({ modifyDeadlineAckIds: ['a', 'b'], modifyDeadlineSeconds: [10] });

    expect((await s.ended).code).toBe(status.INVALID_ARGUMENT);
  });
});
