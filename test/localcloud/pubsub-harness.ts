/**
 * Shared set-up for the Pub/Sub conformance suites: the official client (and its raw gapic
 * clients) on the target, topics and subscriptions with names unique per run so the suites can
 * run against the same emulator repeatedly, helpers to receive messages, and clean-up.
 */
import { randomBytes } from 'node:crypto';
import {
  type CreateSubscriptionOptions,
  type Message,
  PubSub,
  type Subscription,
  type Topic,
  v1,
} from '@google-cloud/pubsub';
import { credentials } from '@grpc/grpc-js';
import { type PubSubTarget, pubsubTarget } from './pubsub-target.js';

export interface PubSubHarness {
  readonly target: PubSubTarget;
  readonly client: PubSub;
  readonly publisher: v1.PublisherClient;
  readonly subscriber: v1.SubscriberClient;
  /** An id unique to this run, `<run>-<base>`. */
  id(base: string): string;
  topicPath(id: string): string;
  subscriptionPath(id: string): string;
  createTopic(base: string): Promise<Topic>;
  createSubscription(topic: Topic, base: string, options?: CreateSubscriptionOptions): Promise<Subscription>;
  stop(): Promise<void>;
}

export async function pubsubHarness(): Promise<PubSubHarness> {
  const target = await pubsubTarget();
  const client = new PubSub({ projectId: target.projectId, apiEndpoint: target.endpoint });
  const { host, port } = splitEndpoint(target.endpoint);
  const gapic = {
    servicePath: host,
    port,
    sslCreds: credentials.createInsecure(),
    projectId: target.projectId,
  };
  const publisher = new v1.PublisherClient(gapic);
  const subscriber = new v1.SubscriberClient(gapic);
  const run = `ct${randomBytes(4).toString('hex')}`;
  const topics: Topic[] = [];
  const subscriptions: Subscription[] = [];
  const id = (base: string) => `${run}-${base}`;
  return {
    target,
    client,
    publisher,
    subscriber,
    id,
    topicPath: (topicId) => `projects/${target.projectId}/topics/${topicId}`,
    subscriptionPath: (subId) => `projects/${target.projectId}/subscriptions/${subId}`,
    createTopic: async (base) => {
      const [topic] = await client.createTopic(id(base));
      topics.push(topic);
      return topic;
    },
    createSubscription: async (topic, base, options) => {
      const [subscription] = await topic.createSubscription(id(base), options);
      subscriptions.push(subscription);
      return subscription;
    },
    stop: async () => {
      await Promise.allSettled(subscriptions.map((s) => s.close()));
      await Promise.allSettled(subscriptions.map((s) => s.delete()));
      await Promise.allSettled(topics.map((t) => t.delete()));
      await Promise.allSettled([client.close(), publisher.close(), subscriber.close()]);
      await target.stop();
    },
  };
}

function splitEndpoint(endpoint: string): { host: string; port: number } {
  const at = endpoint.lastIndexOf(':');
  return { host: endpoint.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(endpoint.slice(at + 1)) };
}

/**
 * Listens until `count` messages have arrived, handing each to `onMessage` (which acks by default),
 * then closes the listener. Fails after `timeoutMs` naming how many arrived.
 */
export function receive(
  subscription: Subscription,
  count: number,
  options: { onMessage?: (m: Message, all: Message[]) => void; timeoutMs?: number } = {},
): Promise<Message[]> {
  const onMessage = options.onMessage ?? ((m: Message) => m.ack());
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const got: Message[] = [];
    const finish = (err?: Error) => {
      clearTimeout(timer);
      subscription.removeListener('message', listener);
      subscription.removeListener('error', finish);
      subscription
        .close()
        .catch(() => {})
        .then(() => (err === undefined ? resolve(got) : reject(err)));
    };
    const listener = (m: Message) => {
      got.push(m);
      onMessage(m, got);
      if (got.length >= count) finish();
    };
    const timer = setTimeout(
      () => finish(new Error(`received ${got.length} of ${count} messages within ${timeoutMs} ms`)),
      timeoutMs,
    );
    subscription.on('message', listener);
    subscription.on('error', finish);
  });
}

/** Hands each message to `onMessage` until the returned stop() is called. */
export function listen(subscription: Subscription, onMessage: (m: Message) => void): () => Promise<void> {
  subscription.on('message', onMessage);
  return async () => {
    subscription.removeListener('message', onMessage);
    await subscription.close();
  };
}

/** Waits until `condition` holds, polling; fails after `timeoutMs`. */
export async function until(
  condition: () => boolean,
  timeoutMs: number,
  what = 'the condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { rejectionOf } from '../support/errors.js';
