/**
 * Every topic and subscription of the stand-in, across projects, and the fan-out of published
 * messages to the subscriptions attached to a topic at publish time. Deleting a topic leaves its
 * subscriptions in place, pointing at `_deleted-topic_`, with their backlogs still deliverable.
 */
import { AckIdMint } from './ack-ids.js';
import { alreadyExists, invalidArgument, notFound, type ResourceKind } from './errors.js';
import type { Entry, StoredMessage } from './message.js';
import { DELETED_TOPIC, idOf, parseName, parseProject, projectOf } from './names.js';
import { forwardedMessage, storedMessages } from './publish.js';
import { type SubscriptionSettings, subscriptionSettings, updatedSettings } from './settings.js';
import { Subscription } from './subscription.js';
import { type TopicSettings, topicSettings, updatedTopicSettings } from './topics.js';
import type {
  FieldMask,
  PubsubMessage,
  Subscription as WireSubscription,
  Topic as WireTopic,
} from './wire.js';

export class TopicState {
  readonly subscriptions = new Set<Subscription>();

  constructor(
    readonly name: string,
    public settings: TopicSettings,
  ) {}
}

export interface RegistryOptions {
  readonly clock: () => number;
  /** Whether to deliver a message once more later (the duplicate fault). */
  readonly duplicate: () => boolean;
  readonly pushConcurrency: number;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextPageToken: string;
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export class Registry {
  private readonly topics = new Map<string, TopicState>();
  private readonly subscriptions = new Map<string, Subscription>();
  /** Message ids are decimal strings; starting from the clock keeps them unique across restarts. */
  private nextMessageId: number;
  private readonly ackIds = new AckIdMint();

  constructor(private readonly options: RegistryOptions) {
    this.nextMessageId = options.clock() * 1000;
  }

  createTopic(request: WireTopic): TopicState {
    parseName('topic', request.name);
    if (this.topics.has(request.name)) throw alreadyExists('topic', request.name);
    const topic = new TopicState(request.name, topicSettings(request));
    this.topics.set(topic.name, topic);
    return topic;
  }

  topic(name: string): TopicState {
    return lookup('topic', this.topics, name);
  }

  updateTopic(patch: WireTopic | null, mask: FieldMask | null): TopicState {
    if (patch === null) throw invalidArgument('The request must contain the topic to update');
    const topic = this.topic(patch.name);
    topic.settings = updatedTopicSettings(topic.settings, patch, mask);
    return topic;
  }

  deleteTopic(name: string): void {
    const topic = this.topic(name);
    this.topics.delete(name);
    for (const subscription of topic.subscriptions) subscription.topic = DELETED_TOPIC;
  }

  listTopics(parent: string, pageSize: number, pageToken: string): Page<TopicState> {
    const project = parseProject(parent);
    return page(
      [...this.topics.values()].filter((t) => projectOf(t.name) === project),
      pageSize,
      pageToken,
    );
  }

  createSubscription(request: WireSubscription): Subscription {
    parseName('subscription', request.name);
    if (request.topic === '') throw invalidArgument('The subscription must name its topic');
    if (this.subscriptions.has(request.name)) throw alreadyExists('subscription', request.name);
    const topic = this.topic(request.topic);
    const settings = subscriptionSettings(request, (t) => this.topics.has(t));
    const subscription = new Subscription(request.name, topic.name, settings, {
      clock: this.options.clock,
      nextAckId: () => this.ackIds.mint(),
      duplicate: this.options.duplicate,
      deadLetter: (source, entry) => this.deadLetter(source, entry),
      pushConcurrency: this.options.pushConcurrency,
    });
    this.subscriptions.set(subscription.name, subscription);
    topic.subscriptions.add(subscription);
    return subscription;
  }

  subscription(name: string): Subscription {
    return lookup('subscription', this.subscriptions, name);
  }

  updateSubscription(patch: WireSubscription | null, mask: FieldMask | null): Subscription {
    if (patch === null) throw invalidArgument('The request must contain the subscription to update');
    const subscription = this.subscription(patch.name);
    subscription.settings = updatedSettings(subscription.settings, patch, mask, (t) => this.topics.has(t));
    return subscription;
  }

  /** Replaces the push settings alone, as ModifyPushConfig does. */
  modifyPushConfig(name: string, next: SubscriptionSettings['push']): void {
    const subscription = this.subscription(name);
    subscription.settings = { ...subscription.settings, push: next };
  }

  deleteSubscription(name: string): void {
    const subscription = this.subscription(name);
    this.subscriptions.delete(name);
    this.topics.get(subscription.topic)?.subscriptions.delete(subscription);
    subscription.close();
  }

  listSubscriptions(parent: string, pageSize: number, pageToken: string): Page<Subscription> {
    const project = parseProject(parent);
    const all = [...this.subscriptions.values()].filter((s) => projectOf(s.name) === project);
    return page(all, pageSize, pageToken);
  }

  listTopicSubscriptions(topicName: string, pageSize: number, pageToken: string): Page<Subscription> {
    return page([...this.topic(topicName).subscriptions], pageSize, pageToken);
  }

  publish(topicName: string, messages: readonly PubsubMessage[]): string[] {
    const topic = this.topic(topicName);
    const stored = storedMessages(messages, () => String(this.nextMessageId++), this.options.clock());
    this.fanOut(topic, stored);
    return stored.map((m) => m.id);
  }

  stats(): Record<string, { messages: number; outstanding: number }> {
    const out: Record<string, { messages: number; outstanding: number }> = {};
    for (const [name, s] of this.subscriptions) {
      out[name] = { messages: s.backlog.size, outstanding: s.backlog.outstanding };
    }
    return out;
  }

  close(): void {
    for (const subscription of this.subscriptions.values()) subscription.close();
    this.subscriptions.clear();
    this.topics.clear();
  }

  private fanOut(topic: TopicState, messages: readonly StoredMessage[]): void {
    for (const subscription of topic.subscriptions) {
      for (const message of messages) subscription.backlog.add(message);
    }
  }

  /** Publishes a message that ran out of delivery attempts, with the attributes the service adds. */
  private deadLetter(source: Subscription, entry: Entry): boolean {
    const target = this.topics.get(source.settings.deadLetter?.topic ?? '');
    if (target === undefined) return false;
    const message = entry.message;
    const forwarded: PubsubMessage = {
      data: message.data,
      attributes: {
        ...message.attributes,
        CloudPubSubDeadLetterSourceDeliveryCount: String(entry.attempts),
        CloudPubSubDeadLetterSourceSubscription: idOf(source.name),
        CloudPubSubDeadLetterSourceSubscriptionProject: projectOf(source.name),
        CloudPubSubDeadLetterSourceTopicPublishTime: new Date(message.publishedAt).toISOString(),
      },
      messageId: '',
      publishTime: null,
      orderingKey: message.orderingKey,
    };
    this.fanOut(target, [forwardedMessage(forwarded, String(this.nextMessageId++), this.options.clock())]);
    return true;
  }
}

/** The named topic or subscription; a malformed name is refused before a missing one. */
function lookup<T>(kind: ResourceKind, items: ReadonlyMap<string, T>, name: string): T {
  parseName(kind, name);
  const item = items.get(name);
  if (item === undefined) throw notFound(kind, name);
  return item;
}

/** Pages through items in name order; the token is the last name of the previous page. */
function page<T extends { readonly name: string }>(items: T[], pageSize: number, pageToken: string): Page<T> {
  if (pageSize < 0) throw invalidArgument(`Invalid page_size ${pageSize}: it must not be negative`);
  const size = Math.min(pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize, MAX_PAGE_SIZE);
  const after = pageToken === '' ? '' : Buffer.from(pageToken, 'base64url').toString();
  const sorted = items
    .filter((i) => i.name > after)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const chosen = sorted.slice(0, size);
  const more = sorted.length > size;
  return {
    items: chosen,
    nextPageToken: more ? Buffer.from(chosen[chosen.length - 1]!.name).toString('base64url') : '',
  };
}
