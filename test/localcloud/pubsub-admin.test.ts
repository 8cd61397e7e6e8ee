/**
 * Pub/Sub conformance, resources: topics and subscriptions created, read, listed, updated and
 * deleted through the official client, with the errors the service answers.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PubSubHarness, pubsubHarness, rejectionOf } from './pubsub-harness.js';

let h: PubSubHarness;
beforeAll(async () => {
  h = await pubsubHarness();
});
afterAll(() => h.stop());

describe.concurrent('Pub/Sub topics', () => {
  it('creates, gets and deletes a topic, then answers NOT_FOUND for it', async () => {
    const topic = await h.createTopic('lifecycle');

    const [metadata] = await topic.getMetadata();
    const [exists] = await topic.exists();
    await topic.delete();
    const error = await rejectionOf(topic.getMetadata());
    const again = await rejectionOf(topic.delete());

    expect(metadata.name).toBe(h.topicPath(h.id('lifecycle')));
    expect(exists).toBe(true);
    expect(error.code).toBe(status.NOT_FOUND);
    expect(again.code).toBe(status.NOT_FOUND);
  });

  it('answers ALREADY_EXISTS for a topic created twice', async () => {
    await h.createTopic('twice');

    const error = await rejectionOf(h.client.createTopic(h.id('twice')));

    expect(error.code).toBe(status.ALREADY_EXISTS);
  });

  it('answers INVALID_ARGUMENT for a malformed topic id', async () => {
    const error = await rejectionOf(h.client.createTopic('x!'));

    expect(error.code).toBe(status.INVALID_ARGUMENT);
  });

  it('lists topics a page at a time', async () => {
    const ids = ['page-a', 'page-b', 'page-c'];
    for (const id of ids) await h.createTopic(id);
    const project = `projects/${h.target.projectId}`;

    const [first, , firstPage] = await h.publisher.listTopics(
      { project, pageSize: 2 },
      { autoPaginate: false },
    );
    const all = await h.client.getTopics();

    expect(first).toHaveLength(2);
    expect(firstPage?.nextPageToken).toBeTruthy();
    const names = all[0].map((t) => t.name);
    for (const id of ids) expect(names).toContain(h.topicPath(h.id(id)));
  });

  it('updates topic labels with an update mask', async () => {
    const topic = await h.createTopic('labels');

    const [updated] = await topic.setMetadata({ labels: { desk: 'candles' } });
    const [read] = await topic.getMetadata();

    expect(updated.labels).toEqual({ desk: 'candles' });
    expect(read.labels).toEqual({ desk: 'candles' });
  });

  it('lists the subscriptions of a topic', async () => {
    const topic = await h.createTopic('with-subs');
    await h.createSubscription(topic, 'with-subs-1');
    await h.createSubscription(topic, 'with-subs-2');

    const [subscriptions] = await topic.getSubscriptions();

    expect(subscriptions.map((s) => s.name).sort()).toEqual([
      h.subscriptionPath(h.id('with-subs-1')),
      h.subscriptionPath(h.id('with-subs-2')),
    ]);
  });
});

describe.concurrent('Pub/Sub subscriptions', () => {
  it('creates a subscription with the service defaults and reads it back', async () => {
    const topic = await h.createTopic('defaults');
    const subscription = await h.createSubscription(topic, 'defaults');

    const [metadata] = await subscription.getMetadata();

    expect(metadata.name).toBe(h.subscriptionPath(h.id('defaults')));
    expect(metadata.topic).toBe(topic.name);
    expect(metadata.ackDeadlineSeconds).toBe(10);
    expect(Number(metadata.messageRetentionDuration?.seconds)).toBe(7 * 24 * 3600);
    expect(metadata.enableMessageOrdering).toBe(false);
  });

  it('answers ALREADY_EXISTS, NOT_FOUND for a missing topic, and NOT_FOUND once deleted', async () => {
    const topic = await h.createTopic('sub-errors');
    const subscription = await h.createSubscription(topic, 'sub-errors');

    const duplicate = await rejectionOf(topic.createSubscription(h.id('sub-errors')));
    const noTopic = await rejectionOf(
      h.client.topic(h.id('no-such-topic')).createSubscription(h.id('orphan')),
    );
    await subscription.delete();
    const gone = await rejectionOf(subscription.getMetadata());

    expect(duplicate.code).toBe(status.ALREADY_EXISTS);
    expect(noTopic.code).toBe(status.NOT_FOUND);
    expect(gone.code).toBe(status.NOT_FOUND);
  });

  it('lists subscriptions of the project', async () => {
    const topic = await h.createTopic('list-subs');
    await h.createSubscription(topic, 'list-subs');

    const [subscriptions] = await h.client.getSubscriptions();

    expect(subscriptions.map((s) => s.name)).toContain(h.subscriptionPath(h.id('list-subs')));
  });

  it('updates the ack deadline, retry policy and labels with an update mask', async () => {
    const topic = await h.createTopic('update-sub');
    const subscription = await h.createSubscription(topic, 'update-sub');

    await subscription.setMetadata({
      ackDeadlineSeconds: 30,
      retryPolicy: { minimumBackoff: { seconds: 2 }, maximumBackoff: { seconds: 20 } },
      labels: { env: 'test' },
    });
    const [metadata] = await subscription.getMetadata();

    expect(metadata.ackDeadlineSeconds).toBe(30);
    expect(Number(metadata.retryPolicy?.minimumBackoff?.seconds)).toBe(2);
    expect(Number(metadata.retryPolicy?.maximumBackoff?.seconds)).toBe(20);
    expect(metadata.labels).toEqual({ env: 'test' });
  });

  it('refuses an ack deadline outside 10..600 seconds', async () => {
    const topic = await h.createTopic('bad-deadline');

    const error = await rejectionOf(
      topic.createSubscription(h.id('bad-deadline'), { ackDeadlineSeconds: 601 }),
    );

    expect(error.code).toBe(status.INVALID_ARGUMENT);
  });

  it('keeps subscriptions of a deleted topic, pointing at _deleted-topic_', async () => {
    const topic = await h.createTopic('deleted-topic');
    const subscription = await h.createSubscription(topic, 'deleted-topic');

    await topic.delete();
    const [metadata] = await subscription.getMetadata();

    expect(metadata.topic).toBe('_deleted-topic_');
  });

  it('switches a subscription to push and back with ModifyPushConfig', async () => {
    const topic = await h.createTopic('modify-push');
    const subscription = await h.createSubscription(topic, 'modify-push');

    await subscription.modifyPushConfig({ pushEndpoint: 'http://127.0.0.1:9/push' });
    const [pushed] = await subscription.getMetadata();
    await subscription.modifyPushConfig({});
    const [pulled] = await subscription.getMetadata();

    expect(pushed.pushConfig?.pushEndpoint).toBe('http://127.0.0.1:9/push');
    expect(pulled.pushConfig?.pushEndpoint ?? '').toBe('');
  });
});
