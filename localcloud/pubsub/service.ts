/**
 * The Pub/Sub stand-in as the gRPC shell sees it: the Publisher and Subscriber methods it serves,
 * by name. Methods left out (snapshots, seek, detach, schemas, IAM) are answered UNIMPLEMENTED by
 * the shell, naming the method.
 */
import { bidi, type GrpcServiceSpec, unary } from '../grpc-service.js';
import { invalidArgument } from './errors.js';
import { parseName } from './names.js';
import { acknowledge, modifyAckDeadline, pull } from './pull.js';
import type { Registry, TopicState } from './registry.js';
import { pushSettings, settingsProto } from './settings.js';
import { streamingPull } from './streaming-pull.js';
import type { Subscription } from './subscription.js';
import { topicProto } from './topics.js';
import {
  type FieldMask,
  type PubsubMessage,
  type PushConfig,
  pubsubServices,
  type Subscription as WireSubscription,
  type Topic as WireTopic,
} from './wire.js';

export interface PubSubServiceOptions {
  /** How long a Pull without return_immediately waits for messages. */
  readonly pullWaitMs: number;
}

interface Named {
  topic: string;
  subscription: string;
}

interface Listing {
  project: string;
  topic: string;
  pageSize: number;
  pageToken: string;
}

/** Room for a 10 MB publish with its framing, so that oversized requests get the service's own error. */
const MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

export function pubsubServiceSpec(registry: Registry, options: PubSubServiceOptions): GrpcServiceSpec {
  const services = pubsubServices();
  return {
    service: 'pubsub',
    title: 'Pub/Sub',
    serverOptions: { 'grpc.max_receive_message_length': MAX_RECEIVE_BYTES },
    services: [
      { definition: services.publisher, handlers: publisherHandlers(registry) },
      { definition: services.subscriber, handlers: subscriberHandlers(registry, options) },
      { definition: services.schemas, handlers: {} },
      { definition: services.iam, handlers: {} },
    ],
  };
}

function publisherHandlers(registry: Registry): GrpcServiceSpec['services'][number]['handlers'] {
  const topic = (t: TopicState) => topicProto(t.name, t.settings);
  return {
    CreateTopic: unary((request: WireTopic) => topic(registry.createTopic(request))),
    GetTopic: unary((request: Named) => topic(registry.topic(request.topic))),
    UpdateTopic: unary((request: { topic: WireTopic | null; updateMask: FieldMask | null }) =>
      topic(registry.updateTopic(request.topic, request.updateMask)),
    ),
    DeleteTopic: unary((request: Named) => {
      registry.deleteTopic(request.topic);
      return {};
    }),
    ListTopics: unary((request: Listing) => {
      const found = registry.listTopics(request.project, request.pageSize, request.pageToken);
      return { topics: found.items.map(topic), nextPageToken: found.nextPageToken };
    }),
    ListTopicSubscriptions: unary((request: Listing) => {
      const found = registry.listTopicSubscriptions(request.topic, request.pageSize, request.pageToken);
      return { subscriptions: found.items.map((s) => s.name), nextPageToken: found.nextPageToken };
    }),
    Publish: unary((request: { topic: string; messages: PubsubMessage[] }) => ({
      messageIds: registry.publish(request.topic, request.messages),
    })),
  };
}

function subscriberHandlers(
  registry: Registry,
  options: PubSubServiceOptions,
): GrpcServiceSpec['services'][number]['handlers'] {
  return {
    CreateSubscription: unary((request: WireSubscription) =>
      subscriptionProto(registry.createSubscription(request)),
    ),
    GetSubscription: unary((request: Named) =>
      subscriptionProto(registry.subscription(request.subscription)),
    ),
    UpdateSubscription: unary(
      (request: { subscription: WireSubscription | null; updateMask: FieldMask | null }) =>
        subscriptionProto(registry.updateSubscription(request.subscription, request.updateMask)),
    ),
    DeleteSubscription: unary((request: Named) => {
      registry.deleteSubscription(request.subscription);
      return {};
    }),
    ListSubscriptions: unary((request: Listing) => {
      const found = registry.listSubscriptions(request.project, request.pageSize, request.pageToken);
      return { subscriptions: found.items.map(subscriptionProto), nextPageToken: found.nextPageToken };
    }),
    ModifyPushConfig: unary((request: { subscription: string; pushConfig: PushConfig | null }) => {
      parseName('subscription', request.subscription);
      if (request.pushConfig === null) throw invalidArgument('The request must contain push_config');
      registry.modifyPushConfig(request.subscription, pushSettings(request.pushConfig));
      return {};
    }),
    Pull: unary(pull(registry, options.pullWaitMs)),
    Acknowledge: unary(acknowledge(registry)),
    ModifyAckDeadline: unary(modifyAckDeadline(registry)),
    StreamingPull: bidi(streamingPull(registry)),
  };
}

function subscriptionProto(s: Subscription): Partial<WireSubscription> {
  return { name: s.name, topic: s.topic, ...settingsProto(s.settings) };
}
