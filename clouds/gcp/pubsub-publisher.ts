/**
 * Sends trade batches to one Pub/Sub topic with the official client's publisher, ordered per symbol
 * (the ordering key). The PubSub client comes in through the constructor and stays the caller's to
 * close; client errors leave translated into CloudError.
 */
import type { PubSub, Topic } from '@google-cloud/pubsub';
import type { Logger } from 'pino';
import { CloudError, fromGrpcError } from '../errors.js';
import type {
  OutboundMessage,
  PublishFailure,
  PublishLimits,
  PublishOutcome,
  TradePublisher,
} from '../ports.js';

/** The service's per-request limit ("10 MB", decimal), counting data, attributes and ordering key. */
const REQUEST_BYTES = 10_000_000;
/** The service's largest ordering key; ours is a symbol, far shorter. */
const MAX_ORDERING_KEY_BYTES = 1024;
/**
 * Bytes per request the client packs. The client (6.x) clamps any larger setting to its own
 * BATCH_LIMITS of 9 MiB without a word, so asking for the ~9.5 MB the service would take is
 * pointless; 9 MiB still leaves ~560 KB under 10 MB for the protobuf framing (tags and lengths per
 * message, ordering keys, the topic name) of up to 1,000 messages.
 */
const BATCH_BYTES = 9 * 1024 * 1024;
const BATCH_MESSAGES = 1000;
/**
 * A publish() call hands all its messages to the client in one turn of the event loop, so a short
 * wait is enough to gather them into full requests; longer only adds latency.
 */
const BATCH_WAIT_MS = 5;

export const PUBSUB_LIMITS: PublishLimits = Object.freeze({
  maxMessagesPerCall: BATCH_MESSAGES,
  maxBytesPerCall: BATCH_BYTES,
  // A message alone in a request, with room for the longest ordering key.
  maxMessageBytes: REQUEST_BYTES - MAX_ORDERING_KEY_BYTES,
});

export interface PubSubBatching {
  readonly maxMessages?: number;
  readonly maxBytes?: number;
  readonly maxMilliseconds?: number;
}

export interface PubSubPublisherOptions {
  readonly pubsub: PubSub;
  /** Topic id or full `projects/…/topics/…` name. */
  readonly topicName: string;
  readonly batching?: PubSubBatching;
  /**
   * How long the client keeps retrying one publish request (UNAVAILABLE, RESOURCE_EXHAUSTED, …)
   * before the messages come back as retryable failures. Default 60 s, the client's own.
   */
  readonly publishTimeoutMs?: number;
  readonly logger?: Logger;
}

export class PubSubPublisher implements TradePublisher {
  readonly name = 'pubsub';
  readonly limits = PUBSUB_LIMITS;
  private readonly topic: Topic;
  private readonly logger: Logger | undefined;
  private closed = false;

  constructor(options: PubSubPublisherOptions) {
    const batching = options.batching ?? {};
    this.topic = options.pubsub.topic(options.topicName, {
      messageOrdering: true,
      batching: {
        maxMessages: batching.maxMessages ?? BATCH_MESSAGES,
        maxBytes: batching.maxBytes ?? BATCH_BYTES,
        maxMilliseconds: batching.maxMilliseconds ?? BATCH_WAIT_MS,
      },
      gaxOpts: { timeout: options.publishTimeoutMs ?? 60_000 },
    });
    this.logger = options.logger;
  }

  /**
   * Publishes every message with its symbol as ordering key and reports failures per message; it
   * never rejects as a whole, as each key's messages succeed or fail on their own. A failed key is
   * resumed before returning, so the caller's retry is accepted.
   */
  async publish(messages: readonly OutboundMessage[]): Promise<PublishOutcome> {
    if (this.closed) throw new CloudError('pubsub', 'REJECTED', 'pubsub: publisher is closed');
    const failed: PublishFailure[] = [];
    const sent = messages.map((m, index) => {
      const size = m.bytes + Buffer.byteLength(m.symbol, 'utf8');
      if (size <= REQUEST_BYTES) return this.send(m);
      const why = `pubsub: message ${m.symbol} ${m.firstId}-${m.lastId} is ${size} bytes with its ordering key; a request takes at most ${REQUEST_BYTES}`;
      failed.push({ index, retryable: false, error: new CloudError('pubsub', 'TOO_LARGE', why) });
      return undefined;
    });
    const results = await Promise.allSettled(sent);
    const pausedKeys = new Set<string>();
    results.forEach((r, index) => {
      if (r.status !== 'rejected') return;
      const error = fromGrpcError('pubsub', r.reason);
      failed.push({ index, retryable: error.retryable, error });
      pausedKeys.add(messages[index]!.symbol);
    });
    this.resume(pausedKeys, failed.length);
    failed.sort((a, b) => a.index - b.index);
    return { failed };
  }

  /** Sends what the client still holds. The PubSub client (and its channel) is the caller's to close. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.topic.flush();
    } catch (err) {
      throw fromGrpcError('pubsub', err);
    }
  }

  private send(m: OutboundMessage): Promise<string> {
    try {
      return this.topic.publishMessage({
        data: Buffer.from(m.body, 'utf8'),
        attributes: { ...m.attributes },
        orderingKey: m.symbol,
      });
    } catch (err) {
      // The client throws synchronously for a message it cannot take at all (e.g. a bad attribute).
      return Promise.reject(err);
    }
  }

  /**
   * After a failed ordered publish the client refuses that key's later messages until told to
   * resume. Every message of the key queued behind the failed one fails with it, so resuming does
   * not reorder the key, provided the caller resends the failures before anything newer of it.
   */
  private resume(keys: ReadonlySet<string>, failures: number): void {
    if (keys.size === 0) return;
    for (const key of keys) this.topic.resumePublishing(key);
    this.logger?.warn(
      { cloud: 'gcp', symbols: [...keys], failed: failures },
      'Pub/Sub publish failed; ordering keys resumed for retry',
    );
  }
}
