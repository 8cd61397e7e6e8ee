/**
 * The Pub/Sub messages as handlers see them after decoding (see ../protos.ts for the casing and
 * defaults), limited to the fields the stand-in reads or writes, plus the loaded service
 * definitions and conversions for the well-known Duration and Timestamp types.
 */
import { join } from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { googleCommonProtosDir, loadProto, packageDir, serviceDefinition } from '../protos.js';

export interface Duration {
  seconds: number;
  nanos: number;
}

export type Timestamp = Duration;

export type Labels = Record<string, string>;

export interface PubsubMessage {
  data: Buffer;
  attributes: Labels;
  messageId: string;
  publishTime: Timestamp | null;
  orderingKey: string;
}

export interface Topic {
  name: string;
  labels: Labels;
  messageStoragePolicy: object | null;
  kmsKeyName: string;
  schemaSettings: object | null;
  satisfiesPzs: boolean;
  messageRetentionDuration: Duration | null;
  state?: string;
  ingestionDataSourceSettings: object | null;
  messageTransforms: object[];
}

export interface PushConfig {
  pushEndpoint: string;
  attributes: Labels;
  oidcToken?: { serviceAccountEmail: string; audience: string } | null;
  pubsubWrapper?: object | null;
  noWrapper?: { writeMetadata: boolean } | null;
  wrapper?: 'pubsubWrapper' | 'noWrapper';
  authenticationMethod?: 'oidcToken';
}

export interface DeadLetterPolicy {
  deadLetterTopic: string;
  maxDeliveryAttempts: number;
}

export interface RetryPolicy {
  minimumBackoff: Duration | null;
  maximumBackoff: Duration | null;
}

export interface Subscription {
  name: string;
  topic: string;
  pushConfig: PushConfig | null;
  bigqueryConfig: object | null;
  cloudStorageConfig: object | null;
  bigtableConfig?: object | null;
  ackDeadlineSeconds: number;
  retainAckedMessages: boolean;
  messageRetentionDuration: Duration | null;
  labels: Labels;
  enableMessageOrdering: boolean;
  expirationPolicy: { ttl: Duration | null } | null;
  filter: string;
  deadLetterPolicy: DeadLetterPolicy | null;
  retryPolicy: RetryPolicy | null;
  detached: boolean;
  enableExactlyOnceDelivery: boolean;
  state?: string;
  messageTransforms: object[];
}

export interface FieldMask {
  paths: string[];
}

export interface ReceivedMessage {
  ackId: string;
  message: PubsubMessage;
  deliveryAttempt: number;
}

export interface StreamingPullRequest {
  subscription: string;
  ackIds: string[];
  modifyDeadlineSeconds: number[];
  modifyDeadlineAckIds: string[];
  streamAckDeadlineSeconds: number;
  clientId: string;
  maxOutstandingMessages: number;
  maxOutstandingBytes: number;
  protocolVersion: number;
}

export interface StreamingPullResponse {
  receivedMessages?: ReceivedMessage[];
  subscriptionProperties?: { exactlyOnceDeliveryEnabled: boolean; messageOrderingEnabled: boolean };
}

export interface PubSubServices {
  readonly publisher: ServiceDefinition;
  readonly subscriber: ServiceDefinition;
  readonly schemas: ServiceDefinition;
  readonly iam: ServiceDefinition;
}

let services: PubSubServices | undefined;

/** The Publisher, Subscriber, SchemaService and IAMPolicy definitions from the installed client. */
export function pubsubServices(): PubSubServices {
  if (services === undefined) {
    const client = packageDir('@google-cloud/pubsub');
    // The common protos the client itself was built with, wherever npm placed google-gax.
    const common = googleCommonProtosDir(client);
    const dirs = [join(client, 'build', 'protos'), common];
    const root = loadProto('google/pubsub/v1/pubsub.proto', dirs);
    const iamRoot = loadProto('google/iam/v1/iam_policy.proto', [common]);
    services = {
      publisher: serviceDefinition(root, 'google.pubsub.v1.Publisher'),
      subscriber: serviceDefinition(root, 'google.pubsub.v1.Subscriber'),
      schemas: serviceDefinition(root, 'google.pubsub.v1.SchemaService'),
      iam: serviceDefinition(iamRoot, 'google.iam.v1.IAMPolicy'),
    };
  }
  return services;
}

export function durationMs(duration: Duration | null | undefined): number | undefined {
  if (duration === null || duration === undefined) return undefined;
  return Number(duration.seconds) * 1000 + Math.floor(Number(duration.nanos) / 1e6);
}

export function durationOf(ms: number): Duration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

export function timestampOf(ms: number): Timestamp {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}
