/**
 * Push delivery: each message is POSTed to the subscription's push endpoint, a bounded number at a
 * time. A 2xx or 102 answer acknowledges it; any other status, a network error or no answer within
 * the ack deadline is a failed delivery, retried after the backoff and dead-lettered as for pull.
 *
 * Bodies follow the service: by default a JSON envelope with the message (data in base64, ids and
 * times under both their camelCase and snake_case names) and the subscription name; with
 * no_wrapper the raw data, plus the metadata as x-goog-pubsub-* headers and the attributes as
 * headers when write_metadata is set.
 */
import type { Entry } from './message.js';
import type { PushSettings } from './settings.js';
import type { Subscription } from './subscription.js';

/** Header names and values fetch accepts; attributes that are not are left out of the headers. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers that frame the request itself; an attribute of that name would break it. */
const RESERVED = new Set([
  'content-type',
  'content-length',
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

export class PushDelivery {
  private inFlight = 0;
  private stopped = false;
  private readonly holder = { release: () => {} };

  constructor(
    private readonly subscription: Subscription,
    private readonly concurrency: number,
  ) {}

  pump(): void {
    const sub = this.subscription;
    while (!this.stopped && this.inFlight < this.concurrency && sub.backlog.hasReady()) {
      const deadlineMs = sub.settings.ackDeadlineSeconds * 1000;
      const entries = sub.backlog.take(
        this.concurrency - this.inFlight,
        Number.POSITIVE_INFINITY,
        this.holder,
        deadlineMs,
      );
      if (entries.length === 0) break;
      for (const entry of entries) this.send(entry, deadlineMs);
    }
  }

  /** In-flight requests finish, and their answers still count. */
  stop(): void {
    this.stopped = true;
  }

  private send(entry: Entry, deadlineMs: number): void {
    const sub = this.subscription;
    const push = sub.settings.push;
    const ackId = entry.ackId!;
    if (push === undefined) {
      sub.backlog.modify([ackId], 0);
      return;
    }
    this.inFlight++;
    const counted = sub.settings.deadLetter !== undefined;
    fetch(push.endpoint, {
      method: 'POST',
      ...request(push, entry, sub.name, counted),
      signal: AbortSignal.timeout(deadlineMs),
    })
      .then(async (res) => {
        await res.arrayBuffer().catch(() => undefined);
        return (res.status >= 200 && res.status < 300) || res.status === 102;
      })
      .catch(() => false)
      .then((ok) => {
        if (ok) sub.backlog.ack([ackId]);
        else sub.backlog.modify([ackId], 0);
        this.inFlight--;
        sub.wake();
      });
  }
}

function request(
  push: PushSettings,
  entry: Entry,
  subscription: string,
  counted: boolean,
): { body: string | Buffer; headers: Record<string, string> } {
  if (!push.noWrapper) {
    return {
      body: JSON.stringify(envelope(entry, subscription, counted)),
      headers: { 'content-type': 'application/json' },
    };
  }
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (push.writeMetadata) Object.assign(headers, metadataHeaders(entry, subscription, counted));
  return { body: entry.message.data, headers };
}

function envelope(entry: Entry, subscription: string, counted: boolean): object {
  const message = entry.message;
  const publishTime = new Date(message.publishedAt).toISOString();
  return {
    message: {
      data: message.data.toString('base64'),
      ...(Object.keys(message.attributes).length > 0 ? { attributes: message.attributes } : {}),
      messageId: message.id,
      message_id: message.id,
      publishTime,
      publish_time: publishTime,
      ...(message.orderingKey === '' ? {} : { orderingKey: message.orderingKey }),
    },
    subscription,
    ...(counted ? { deliveryAttempt: entry.attempts } : {}),
  };
}

function metadataHeaders(entry: Entry, subscription: string, counted: boolean): Record<string, string> {
  const message = entry.message;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.attributes)) {
    if (TOKEN.test(key) && HEADER_VALUE.test(value) && !RESERVED.has(key.toLowerCase())) headers[key] = value;
  }
  headers['x-goog-pubsub-subscription-name'] = subscription;
  headers['x-goog-pubsub-message-id'] = message.id;
  headers['x-goog-pubsub-publish-time'] = new Date(message.publishedAt).toISOString();
  if (message.orderingKey !== '' && HEADER_VALUE.test(message.orderingKey)) {
    headers['x-goog-pubsub-ordering-key'] = message.orderingKey;
  }
  if (counted) headers['x-goog-pubsub-delivery-attempt'] = String(entry.attempts);
  return headers;
}
