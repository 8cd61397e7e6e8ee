/**
 * Pub/Sub conformance, subscription policies: message ordering, dead-lettering, retry backoff and
 * push delivery to a local HTTP endpoint.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message } from '@google-cloud/pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type PubSubHarness, pubsubHarness, receive, sleep, until } from './pubsub-harness.js';

let h: PubSubHarness;
beforeAll(async () => {
  h = await pubsubHarness();
});
afterAll(() => h.stop());

interface PushRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly at: number;
}

/** An HTTP endpoint answering each push with the next status of `statuses` (the last repeats). */
async function pushEndpoint(statuses: number[]) {
  const requests: PushRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks), at: Date.now() });
      res.writeHead(statuses[Math.min(requests.length, statuses.length) - 1]!).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/push`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.concurrent('Pub/Sub subscription policies', () => {
  it('delivers each ordering key in publish order, again in order after a nack', async () => {
    const created = await h.createTopic('ordered');
    const topic = h.client.topic(created.name, { messageOrdering: true });
    const subscription = await h.createSubscription(created, 'ordered', { enableMessageOrdering: true });
    const keys = ['BTCUSDT', 'ETHUSDT'];
    const publishes: Promise<string>[] = [];
    for (let i = 0; i < 20; i++) {
      for (const key of keys)
        publishes.push(topic.publishMessage({ data: Buffer.from(String(i)), orderingKey: key }));
    }
    await Promise.all(publishes);
    const seen = new Map<string, number[]>(keys.map((k) => [k, []]));
    const acked = new Map<string, Set<number>>(keys.map((k) => [k, new Set()]));
    let nacked = false;

    const stop = listen(subscription, (m: Message) => {
      const n = Number(m.data.toString());
      seen.get(m.orderingKey!)!.push(n);
      if (m.orderingKey === 'BTCUSDT' && n === 5 && !nacked) {
        nacked = true;
        m.nack();
      } else {
        acked.get(m.orderingKey!)!.add(n);
        m.ack();
      }
    });
    await until(() => keys.every((k) => acked.get(k)!.size === 20), 10_000, 'all 40 acks');
    await stop();

    for (const key of keys) {
      const order = seen.get(key)!;
      // Each delivery follows the previous one, or starts again from an earlier message.
      for (let i = 1; i < order.length; i++) {
        expect(
          order[i] === order[i - 1]! + 1 || order[i]! <= order[i - 1]!,
          `${key}: ${order.join(',')}`,
        ).toBe(true);
      }
      expect(order.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    }
    const btc = seen.get('BTCUSDT')!;
    expect(btc.lastIndexOf(5)).toBeGreaterThan(btc.indexOf(5));
    expect(btc.slice(btc.lastIndexOf(5))).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('dead-letters a message after max_delivery_attempts, counting delivery attempts up', async () => {
    const topic = await h.createTopic('dl-source');
    const deadLetters = await h.createTopic('dl-target');
    const deadLetterSub = await h.createSubscription(deadLetters, 'dl-target');
    const subscription = await h.createSubscription(topic, 'dl-source', {
      deadLetterPolicy: { deadLetterTopic: deadLetters.name, maxDeliveryAttempts: 5 },
    });
    await topic.publishMessage({ data: Buffer.from('poison'), attributes: { origin: 'test' } });

    const attempts = (await receive(subscription, 5, { onMessage: (m) => m.nack() })).map(
      (m) => m.deliveryAttempt,
    );
    const [dead] = await receive(deadLetterSub, 1);

    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    expect(dead!.data.toString()).toBe('poison');
    expect(dead!.attributes.origin).toBe('test');
    expect(dead!.attributes.CloudPubSubDeadLetterSourceDeliveryCount).toBe('5');
  });

  it('waits at least the retry policy minimum backoff before redelivering a nacked message', async () => {
    const topic = await h.createTopic('backoff');
    const subscription = await h.createSubscription(topic, 'backoff', {
      retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 5 } },
    });
    await topic.publishMessage({ data: Buffer.from('slow') });
    const times: number[] = [];

    await receive(subscription, 2, {
      onMessage: (m, all) => {
        times.push(Date.now());
        if (all.length === 1) m.nack();
        else m.ack();
      },
    });

    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(990);
  });

  it('pushes messages as JSON, redelivering after a 500 and stopping after a 2xx', async () => {
    const endpoint = await pushEndpoint([500, 204]);
    try {
      const topic = await h.createTopic('push');
      const subscription = await h.createSubscription(topic, 'push', {
        pushConfig: { pushEndpoint: endpoint.url },
      });
      const id = await topic.publishMessage({ data: Buffer.from('pushed'), attributes: { a: 'b' } });

      await until(() => endpoint.requests.length >= 2, 5000);
      await sleep(300);

      expect(endpoint.requests).toHaveLength(2);
      const bodies = endpoint.requests.map((r) => JSON.parse(r.body.toString()));
      for (const body of bodies) {
        expect(Buffer.from(body.message.data, 'base64').toString()).toBe('pushed');
        expect(body.message.attributes).toEqual({ a: 'b' });
        expect(body.message.messageId).toBe(id);
        expect(body.message.message_id).toBe(id);
        expect(Number.isNaN(Date.parse(body.message.publishTime))).toBe(false);
        expect(body.subscription).toBe(subscription.name);
      }
    } finally {
      await endpoint.close();
    }
  });
});
