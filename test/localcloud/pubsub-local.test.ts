/**
 * The Pub/Sub stand-in's own behaviour, which only it can show: the fault layer (injected errors
 * the client retries, down and up, duplicates, latency), request counts, features refused by name,
 * and no-wrapper push. Skipped with CONFORMANCE_TARGET=external.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message } from '@google-cloud/pubsub';
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FaultController } from '../../localcloud/faults.js';
import {
  listen,
  type PubSubHarness,
  pubsubHarness,
  receive,
  rejectionOf,
  sleep,
  until,
} from './pubsub-harness.js';
import { external } from './pubsub-target.js';

/** Call options for a single attempt, so that a test sees the error the client would retry. */
const ONCE = { retry: { retryCodes: [] } };

let h: PubSubHarness;
let faults: FaultController;
beforeAll(async () => {
  h = await pubsubHarness();
  faults = h.target.faults!;
});
afterAll(() => h?.stop());

describe.skipIf(external)('Pub/Sub stand-in faults', () => {
  afterEach(() => faults.reset('pubsub'));

  it('answers injected UNAVAILABLE, which the client retries until the call succeeds', async () => {
    const topic = await h.createTopic('retried');
    const before = faults.total('pubsub', 'Publish');
    faults.set('pubsub', { failureRate: 1, failureKind: 'server' });
    setTimeout(() => faults.reset('pubsub'), 300);

    const id = await topic.publishMessage({ data: Buffer.from('eventually') });

    expect(id).toMatch(/^\d+$/);
    expect(faults.total('pubsub', 'Publish') - before).toBeGreaterThan(1);
  });

  it('answers RESOURCE_EXHAUSTED when throttling and UNAVAILABLE for server errors', async () => {
    const topic = await h.createTopic('codes');
    const call = () => h.publisher.getTopic({ topic: topic.name }, ONCE);
    faults.set('pubsub', { failureRate: 1, failureKind: 'throttle' });
    const throttled = await rejectionOf(call());
    faults.set('pubsub', { failureKind: 'server' });
    const failed = await rejectionOf(call());

    expect(throttled.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(failed.code).toBe(status.UNAVAILABLE);
    expect(String(failed.message)).toContain('fault injected');
  });

  it('refuses connections while down and serves again on the same port once up', async () => {
    const topic = await h.createTopic('down-up');
    const subscription = await h.createSubscription(topic, 'down-up');
    const got: string[] = [];
    const stop = listen(subscription, (m: Message) => {
      got.push(m.data.toString());
      m.ack();
    });
    await topic.publishMessage({ data: Buffer.from('before') });
    await until(() => got.length === 1, 5000, 'the first delivery');

    faults.set('pubsub', { down: true });
    await sleep(50);
    const refused = await rejectionOf(
      h.publisher.getTopic({ topic: topic.name }, { ...ONCE, timeout: 2000 }),
    );
    setTimeout(() => faults.set('pubsub', { down: false }), 200);
    await topic.publishMessage({ data: Buffer.from('after') });
    // The client backs off its stream reconnects while the server is away, by up to a few seconds.
    await until(() => got.length === 2, 20_000, 'delivery after coming back up');
    await stop();

    expect(refused.code, String(refused.message)).toBe(status.UNAVAILABLE);
    expect(got).toEqual(['before', 'after']);
  });

  it('delivers a duplicate of an acknowledged message when duplicates are on', async () => {
    const topic = await h.createTopic('duplicate');
    const subscription = await h.createSubscription(topic, 'duplicate');
    faults.set('pubsub', { duplicateRate: 1 });
    await topic.publishMessage({ data: Buffer.from('twice') });

    const messages = await receive(subscription, 2, { timeoutMs: 5000 });

    expect(messages.map((m) => m.id)).toEqual([messages[0]!.id, messages[0]!.id]);
  });

  it('adds the configured latency to every call', async () => {
    const topic = await h.createTopic('latency');
    faults.set('pubsub', { latencyMs: 200 });

    const started = Date.now();
    await topic.getMetadata();

    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe.skipIf(external)('Pub/Sub stand-in controls', () => {
  it('counts requests by gRPC method', async () => {
    const topic = await h.createTopic('counted');
    const subscription = await h.createSubscription(topic, 'counted');
    await topic.publishMessage({ data: Buffer.from('x') });
    await receive(subscription, 1);

    const counts = faults.counts().pubsub ?? {};

    for (const method of ['CreateTopic', 'CreateSubscription', 'Publish', 'StreamingPull', 'Acknowledge']) {
      expect(counts[method], method).toBeGreaterThan(0);
    }
  });

  it('reports message counts by subscription', async () => {
    const topic = await h.createTopic('stats');
    const subscription = await h.createSubscription(topic, 'stats');
    await topic.publishMessage({ data: Buffer.from('x') });
    await topic.publishMessage({ data: Buffer.from('y') });

    const stats = h.target.running!.subscriptionStats()[subscription.name];

    expect(stats).toEqual({ messages: 2, outstanding: 0 });
  });

  it('answers UNIMPLEMENTED naming snapshots, seek, filters and exactly-once delivery', async () => {
    const topic = await h.createTopic('unimplemented');
    const subscription = await h.createSubscription(topic, 'unimplemented');

    const snapshot = await rejectionOf(subscription.createSnapshot(h.id('snap')));
    const seek = await rejectionOf(subscription.seek(new Date()));
    const filter = await rejectionOf(
      topic.createSubscription(h.id('filtered'), { filter: 'attributes.a = "b"' }),
    );
    const exactlyOnce = await rejectionOf(
      topic.createSubscription(h.id('exactly-once'), { enableExactlyOnceDelivery: true }),
    );

    for (const error of [snapshot, seek, filter, exactlyOnce]) expect(error.code).toBe(status.UNIMPLEMENTED);
    expect(String(snapshot.message)).toContain(
      'CreateSnapshot is not implemented by the local Pub/Sub stand-in',
    );
    expect(String(seek.message)).toContain('Seek');
    expect(String(filter.message)).toContain('filter');
    expect(String(exactlyOnce.message)).toContain('Exactly-once');
  });

  it('ignores stale ack ids and refuses malformed ones', async () => {
    const topic = await h.createTopic('ack-ids');
    const subscription = await h.createSubscription(topic, 'ack-ids');
    const ack = (ackIds: string[]) =>
      h.subscriber.acknowledge({ subscription: subscription.name, ackIds }, ONCE);

    await ack(['zzzz']);
    const malformed = await rejectionOf(ack(['not an ack id']));

    expect(malformed.code).toBe(status.INVALID_ARGUMENT);
  });

  it('pushes raw data with metadata headers when the push config has no wrapper', async () => {
    const requests: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/raw`;
      const topic = await h.createTopic('no-wrapper');
      const subscription = await h.createSubscription(topic, 'no-wrapper', {
        pushConfig: { pushEndpoint: url, noWrapper: { writeMetadata: true } },
      });
      const id = await topic.publishMessage({
        data: Buffer.from('raw body'),
        attributes: { symbol: 'BTCUSDT' },
      });

      await until(() => requests.length === 1, 5000, 'the push');
      await sleep(200);

      expect(requests).toHaveLength(1);
      expect(requests[0]!.body).toBe('raw body');
      expect(requests[0]!.headers.symbol).toBe('BTCUSDT');
      expect(requests[0]!.headers['x-goog-pubsub-message-id']).toBe(id);
      expect(requests[0]!.headers['x-goog-pubsub-subscription-name']).toBe(subscription.name);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
