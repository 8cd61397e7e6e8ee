/**
 * Turns a Publish request into stored messages, after checking it against the service's limits.
 * A request is taken or refused whole: one bad message refuses them all, as the service does.
 */
import { invalidArgument } from './errors.js';
import type { StoredMessage } from './message.js';
import { type PubsubMessage, type Timestamp, timestampOf } from './wire.js';

export const MAX_MESSAGES_PER_PUBLISH = 1000;
/** The service's "10 MB", in its decimal sense. */
export const MAX_PUBLISH_BYTES = 10_000_000;
export const MAX_ATTRIBUTES = 100;
export const MAX_ATTRIBUTE_KEY_BYTES = 256;
export const MAX_ATTRIBUTE_VALUE_BYTES = 1024;
export const MAX_ORDERING_KEY_BYTES = 1024;

export function storedMessages(
  messages: readonly PubsubMessage[],
  nextId: () => string,
  now: number,
): StoredMessage[] {
  if (messages.length === 0) throw invalidArgument('The publish request must contain at least one message');
  if (messages.length > MAX_MESSAGES_PER_PUBLISH) {
    throw invalidArgument(
      `The publish request contains ${messages.length} messages; the limit is ${MAX_MESSAGES_PER_PUBLISH} per request`,
    );
  }
  const sizes = messages.map(messageSize);
  let total = 0;
  for (const size of sizes) total += size;
  if (total > MAX_PUBLISH_BYTES) {
    throw invalidArgument(
      `The publish request is ${total} bytes; the limit is ${MAX_PUBLISH_BYTES} bytes (10 MB) per request`,
    );
  }
  const publishTime = timestampOf(now);
  return messages.map((m, i) => stored(m, nextId(), now, publishTime, sizes[i]!));
}

/** A message the service itself publishes (a dead letter), taken as it is without the limits. */
export function forwardedMessage(m: PubsubMessage, id: string, now: number): StoredMessage {
  let size = m.data.length + Buffer.byteLength(m.orderingKey);
  for (const key in m.attributes) size += Buffer.byteLength(key) + Buffer.byteLength(m.attributes[key]!);
  return stored(m, id, now, timestampOf(now), size);
}

function stored(
  m: PubsubMessage,
  id: string,
  now: number,
  publishTime: Timestamp,
  size: number,
): StoredMessage {
  return {
    id,
    data: m.data,
    attributes: m.attributes,
    orderingKey: m.orderingKey,
    publishedAt: now,
    size,
    wire: { data: m.data, attributes: m.attributes, messageId: id, publishTime, orderingKey: m.orderingKey },
  };
}

/** Checks one message and returns the bytes it counts for. */
function messageSize(message: PubsubMessage): number {
  let size = message.data.length;
  let count = 0;
  for (const key in message.attributes) {
    const value = message.attributes[key]!;
    const keyBytes = Buffer.byteLength(key);
    const valueBytes = Buffer.byteLength(value);
    if (keyBytes === 0 || keyBytes > MAX_ATTRIBUTE_KEY_BYTES) {
      throw invalidArgument(
        `Invalid attribute key "${key.slice(0, 64)}": keys are 1 to ${MAX_ATTRIBUTE_KEY_BYTES} bytes`,
      );
    }
    if (key.startsWith('goog'))
      throw invalidArgument(`Invalid attribute key "${key}": the prefix goog is reserved`);
    if (valueBytes > MAX_ATTRIBUTE_VALUE_BYTES) {
      throw invalidArgument(
        `The value of attribute "${key}" is ${valueBytes} bytes; the limit is ${MAX_ATTRIBUTE_VALUE_BYTES}`,
      );
    }
    size += keyBytes + valueBytes;
    count++;
  }
  if (count > MAX_ATTRIBUTES) {
    throw invalidArgument(`A message has ${count} attributes; the limit is ${MAX_ATTRIBUTES}`);
  }
  if (size === 0) {
    throw invalidArgument(
      'Some messages in the publish request are empty: a message must have non-empty data or at least one attribute',
    );
  }
  const keyBytes = Buffer.byteLength(message.orderingKey);
  if (keyBytes > MAX_ORDERING_KEY_BYTES) {
    throw invalidArgument(`An ordering key is ${keyBytes} bytes; the limit is ${MAX_ORDERING_KEY_BYTES}`);
  }
  return size + keyBytes;
}
