/**
 * A subscription's settings: checked and given their defaults on create, changed field by field
 * with an update mask, and written back in the service's shape. Features the stand-in lacks
 * (filters, exactly-once, export subscriptions, transforms, retained acks) are refused by name.
 */
import { invalidArgument, notFound, unimplemented } from './errors.js';
import { parseName } from './names.js';
import {
  type DeadLetterPolicy,
  durationMs,
  durationOf,
  type FieldMask,
  type Labels,
  type PushConfig,
  type RetryPolicy,
  type Subscription,
} from './wire.js';

export interface PushSettings {
  readonly endpoint: string;
  readonly attributes: Labels;
  readonly noWrapper: boolean;
  readonly writeMetadata: boolean;
  /** Kept and returned; no token is minted. */
  readonly oidcToken: { serviceAccountEmail: string; audience: string } | undefined;
}

export interface SubscriptionSettings {
  readonly ackDeadlineSeconds: number;
  readonly push: PushSettings | undefined;
  readonly retentionMs: number;
  readonly labels: Labels;
  readonly ordered: boolean;
  /** Kept and returned, not enforced; null means the subscription never expires. */
  readonly expirationTtlMs: number | null;
  readonly deadLetter: { readonly topic: string; readonly maxDeliveryAttempts: number } | undefined;
  readonly retry: { readonly minimumMs: number; readonly maximumMs: number } | undefined;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
export const DEFAULT_ACK_DEADLINE_SECONDS = 10;
export const MAX_ACK_DEADLINE_SECONDS = 600;
const DEFAULT_RETENTION_MS = 7 * DAY;
const DEFAULT_TTL_MS = 31 * DAY;

/** Whether a topic exists, for dead-letter policies. */
export type TopicCheck = (name: string) => boolean;

export function subscriptionSettings(request: Subscription, topicExists: TopicCheck): SubscriptionSettings {
  refuseUnsupported(request);
  return {
    ackDeadlineSeconds: ackDeadline(request.ackDeadlineSeconds),
    push: pushSettings(request.pushConfig),
    retentionMs: retention(request.messageRetentionDuration, 'message_retention_duration'),
    labels: checkLabels(request.labels),
    ordered: request.enableMessageOrdering,
    expirationTtlMs: expiration(request.expirationPolicy),
    deadLetter: deadLetterSettings(request.deadLetterPolicy, topicExists),
    retry: retrySettings(request.retryPolicy),
  };
}

const UPDATABLE: Record<string, (s: Subscription, check: TopicCheck) => Partial<SubscriptionSettings>> = {
  ack_deadline_seconds: (s) => ({ ackDeadlineSeconds: ackDeadline(s.ackDeadlineSeconds) }),
  push_config: (s) => ({ push: pushSettings(s.pushConfig) }),
  message_retention_duration: (s) => ({
    retentionMs: retention(s.messageRetentionDuration, 'message_retention_duration'),
  }),
  labels: (s) => ({ labels: checkLabels(s.labels) }),
  expiration_policy: (s) => ({ expirationTtlMs: expiration(s.expirationPolicy) }),
  dead_letter_policy: (s, check) => ({ deadLetter: deadLetterSettings(s.deadLetterPolicy, check) }),
  retry_policy: (s) => ({ retry: retrySettings(s.retryPolicy) }),
};

const IMMUTABLE = new Set(['name', 'topic', 'enable_message_ordering', 'filter', 'detached']);

export function updatedSettings(
  current: SubscriptionSettings,
  patch: Subscription,
  mask: FieldMask | null,
  topicExists: TopicCheck,
): SubscriptionSettings {
  const paths = mask?.paths ?? [];
  if (paths.length === 0) throw invalidArgument('update_mask must name at least one field to update');
  let next: SubscriptionSettings = current;
  for (const path of paths) {
    const field = snakeCase(path);
    const apply = UPDATABLE[field];
    if (apply !== undefined) {
      next = { ...next, ...apply(patch, topicExists) };
    } else if (IMMUTABLE.has(field)) {
      throw invalidArgument(`The subscription field ${field} cannot be changed after creation`);
    } else {
      refuseUnsupported(patch);
      throw invalidArgument(`Invalid update_mask path "${path}" for a subscription`);
    }
  }
  return next;
}

/** The settings in the service's shape, for Get/List/Create/Update answers. */
export function settingsProto(s: SubscriptionSettings): Partial<Subscription> {
  return {
    pushConfig: pushProto(s.push),
    ackDeadlineSeconds: s.ackDeadlineSeconds,
    messageRetentionDuration: durationOf(s.retentionMs),
    labels: s.labels,
    enableMessageOrdering: s.ordered,
    expirationPolicy: { ttl: s.expirationTtlMs === null ? null : durationOf(s.expirationTtlMs) },
    deadLetterPolicy:
      s.deadLetter === undefined
        ? null
        : { deadLetterTopic: s.deadLetter.topic, maxDeliveryAttempts: s.deadLetter.maxDeliveryAttempts },
    retryPolicy:
      s.retry === undefined
        ? null
        : { minimumBackoff: durationOf(s.retry.minimumMs), maximumBackoff: durationOf(s.retry.maximumMs) },
    state: 'ACTIVE',
  };
}

function refuseUnsupported(s: Subscription): void {
  if (s.filter !== '') throw unimplemented('Subscription filters (filter)');
  if (s.enableExactlyOnceDelivery)
    throw unimplemented('Exactly-once delivery (enable_exactly_once_delivery)');
  if (s.retainAckedMessages)
    throw unimplemented('Retaining acknowledged messages for seek (retain_acked_messages)');
  if (s.bigqueryConfig !== null) throw unimplemented('BigQuery subscriptions (bigquery_config)');
  if (s.cloudStorageConfig !== null)
    throw unimplemented('Cloud Storage subscriptions (cloud_storage_config)');
  if (s.bigtableConfig !== null && s.bigtableConfig !== undefined) {
    throw unimplemented('Bigtable subscriptions (bigtable_config)');
  }
  if (s.messageTransforms.length > 0) throw unimplemented('Message transforms (message_transforms)');
}

export function ackDeadline(seconds: number): number {
  if (seconds === 0) return DEFAULT_ACK_DEADLINE_SECONDS;
  if (!(seconds >= DEFAULT_ACK_DEADLINE_SECONDS && seconds <= MAX_ACK_DEADLINE_SECONDS)) {
    throw invalidArgument(
      `Invalid ack_deadline_seconds ${seconds}: it must be from 10 to 600 seconds (or 0 for the default, 10)`,
    );
  }
  return seconds;
}

export function pushSettings(config: PushConfig | null): PushSettings | undefined {
  if (config === null || config.pushEndpoint === '') return undefined;
  let url: URL;
  try {
    url = new URL(config.pushEndpoint);
  } catch {
    throw invalidArgument(`Invalid push_endpoint "${config.pushEndpoint}": it must be an http or https URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidArgument(`Invalid push_endpoint "${config.pushEndpoint}": it must be an http or https URL`);
  }
  return {
    endpoint: config.pushEndpoint,
    attributes: { ...config.attributes },
    noWrapper: config.wrapper === 'noWrapper',
    writeMetadata: config.wrapper === 'noWrapper' && config.noWrapper?.writeMetadata === true,
    oidcToken: config.oidcToken ?? undefined,
  };
}

function pushProto(push: PushSettings | undefined): PushConfig {
  if (push === undefined) return { pushEndpoint: '', attributes: {} };
  return {
    pushEndpoint: push.endpoint,
    attributes: push.attributes,
    ...(push.oidcToken === undefined ? {} : { oidcToken: push.oidcToken }),
    ...(push.noWrapper ? { noWrapper: { writeMetadata: push.writeMetadata } } : { pubsubWrapper: {} }),
  };
}

function deadLetterSettings(
  policy: DeadLetterPolicy | null,
  topicExists: TopicCheck,
): SubscriptionSettings['deadLetter'] {
  if (policy === null || policy.deadLetterTopic === '') return undefined;
  parseName('topic', policy.deadLetterTopic, 'dead_letter_policy.dead_letter_topic');
  if (!topicExists(policy.deadLetterTopic)) {
    throw notFound('topic', policy.deadLetterTopic);
  }
  const attempts = policy.maxDeliveryAttempts === 0 ? 5 : policy.maxDeliveryAttempts;
  if (!(attempts >= 5 && attempts <= 100)) {
    throw invalidArgument(
      `Invalid dead_letter_policy.max_delivery_attempts ${attempts}: it must be from 5 to 100 (or 0 for 5)`,
    );
  }
  return { topic: policy.deadLetterTopic, maxDeliveryAttempts: attempts };
}

function retrySettings(policy: RetryPolicy | null): SubscriptionSettings['retry'] {
  if (policy === null) return undefined;
  const minimumMs = durationMs(policy.minimumBackoff) ?? 10_000;
  const maximumMs = durationMs(policy.maximumBackoff) ?? 600_000;
  for (const [field, ms] of [
    ['minimum_backoff', minimumMs],
    ['maximum_backoff', maximumMs],
  ] as const) {
    if (!(ms >= 0 && ms <= 600_000)) {
      throw invalidArgument(`Invalid retry_policy.${field}: it must be from 0 to 600 seconds`);
    }
  }
  if (minimumMs > maximumMs) {
    throw invalidArgument('Invalid retry_policy: minimum_backoff must not be greater than maximum_backoff');
  }
  return { minimumMs, maximumMs };
}

function expiration(policy: Subscription['expirationPolicy']): number | null {
  if (policy === null) return DEFAULT_TTL_MS;
  const ttl = durationMs(policy.ttl);
  if (ttl === undefined) return null;
  if (ttl < DAY) throw invalidArgument('Invalid expiration_policy.ttl: the minimum is 1 day');
  return ttl;
}

/** A retention duration from 10 minutes to 31 days; the default when absent. */
export function retention(duration: Subscription['messageRetentionDuration'], field: string): number {
  const ms = durationMs(duration);
  if (ms === undefined) return DEFAULT_RETENTION_MS;
  if (!(ms >= 10 * MINUTE && ms <= 31 * DAY)) {
    throw invalidArgument(`Invalid ${field}: it must be from 10 minutes to 31 days`);
  }
  return ms;
}

const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

/** Labels as Google Cloud allows them: up to 64, lowercase keys and values of at most 63 characters. */
export function checkLabels(labels: Labels): Labels {
  const entries = Object.entries(labels);
  if (entries.length > 64) throw invalidArgument(`Too many labels (${entries.length}); the limit is 64`);
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw invalidArgument(
        `Invalid label ${key}=${value}: keys start with a lowercase letter; keys and values hold up to 63 ` +
          'lowercase letters, digits, underscores and dashes',
      );
    }
  }
  return { ...labels };
}

/** Update masks name fields in snake_case; some callers send lowerCamelCase. */
export function snakeCase(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
