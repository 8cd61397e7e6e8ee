/**
 * Reads back what reached the queues and checks it against the trades the exchange sent: every id
 * from first to last present, nothing that was not sent. Used by the local default run and the
 * producer's end-to-end tests; it consumes (deletes / acks) what it reads.
 */
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { PubSub } from '@google-cloud/pubsub';
import { decodeMessageBody } from '../../clouds/message.js';
import { pubsubClient, sqsClient } from '../../producer/clients.js';
import type { Env } from '../../producer/env.js';

/** A queue and a topic named `name` for a producer, with a subscription to read the topic back. */
export interface AuditedSinks {
  /** PRODUCER_SQS_QUEUE_URL and PRODUCER_PUBSUB_TOPIC for the producer. */
  readonly producerEnv: { readonly PRODUCER_SQS_QUEUE_URL: string; readonly PRODUCER_PUBSUB_TOPIC: string };
  readSqs(): Promise<WireBatch[]>;
  readPubSub(): Promise<WireBatch[]>;
  close(): Promise<void>;
}

export async function createAuditedSinks(env: Env, name: string): Promise<AuditedSinks> {
  const sqs = sqsClient(env);
  const pubsub = pubsubClient(env);
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const queueUrl = queue.QueueUrl as string;
  const [topic] = await pubsub.createTopic(name);
  await topic.createSubscription(`${name}-audit`, { enableMessageOrdering: true });
  return {
    producerEnv: { PRODUCER_SQS_QUEUE_URL: queueUrl, PRODUCER_PUBSUB_TOPIC: name },
    readSqs: () => drainSqs(sqs, queueUrl),
    readPubSub: () => drainPubSub(pubsub, `${name}-audit`),
    close: async () => {
      sqs.destroy();
      await pubsub.close();
    },
  };
}

import { formatRanges, type IdRange, normalizeRanges, subtractRanges } from '../../core/ranges.js';
import type { Trade } from '../../core/trade.js';
import { lastIdOf, type WireBatch } from '../../core/wire.js';

/** Receives until the queue stays empty for a long poll; deletes what it read. */
export async function drainSqs(client: SQSClient, queueUrl: string, idleSeconds = 1): Promise<WireBatch[]> {
  const out: WireBatch[] = [];
  for (;;) {
    const r = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: idleSeconds,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = r.Messages ?? [];
    if (messages.length === 0) return out;
    for (const m of messages) {
      const attributes = Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]),
      );
      out.push(decodeMessageBody(m.Body ?? '', attributes));
    }
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
      }),
    );
  }
}

/** Pulls from a subscription until nothing arrives for `idleMs`; acks what it read. */
export async function drainPubSub(
  pubsub: PubSub,
  subscriptionName: string,
  idleMs = 1500,
): Promise<WireBatch[]> {
  const subscription = pubsub.subscription(subscriptionName, { flowControl: { maxMessages: 1000 } });
  const out: WireBatch[] = [];
  await new Promise<void>((resolve, reject) => {
    let timer = setTimeout(resolve, idleMs);
    subscription.on('error', reject);
    subscription.on('message', (m) => {
      clearTimeout(timer);
      timer = setTimeout(resolve, idleMs);
      try {
        out.push(decodeMessageBody(m.data.toString('utf8'), { ...m.attributes }));
        m.ack();
      } catch (err) {
        reject(err);
      }
    });
  });
  await subscription.close();
  return out;
}

export interface CoverageReport {
  readonly symbol: string;
  readonly expected: IdRange;
  readonly messages: number;
  readonly entries: number;
  /** Expected ids that no message carried. */
  readonly missing: readonly IdRange[];
  /** Ids carried that the exchange never sent, or entries that differ from the exchange's trade. */
  readonly foreign: readonly string[];
}

/** Compares the batches of one symbol against the exchange's trades by id (when known) and the expected ids. */
export function coverage(
  symbol: string,
  batches: readonly WireBatch[],
  truth: ReadonlyMap<number, Trade> | undefined,
  expected: IdRange,
): CoverageReport {
  const seen: IdRange[] = [];
  const foreign: string[] = [];
  let messages = 0;
  let entries = 0;
  for (const b of batches) {
    if (b.symbol !== symbol) continue;
    messages++;
    for (const t of b.trades) {
      entries++;
      seen.push([t.id, lastIdOf(t)]);
      if (truth !== undefined && t.lastId === undefined && !sameTrade(t, truth.get(t.id)))
        foreign.push(`${t.id}`);
    }
  }
  const missing = subtractRanges([expected], normalizeRanges(seen));
  return { symbol, expected, messages, entries, missing, foreign: foreign.slice(0, 20) };
}

export function describeCoverage(r: CoverageReport): string {
  const missing = r.missing.length === 0 ? 'none missing' : `MISSING ${formatRanges(r.missing)}`;
  const foreign = r.foreign.length === 0 ? '' : `, NOT SENT BY THE EXCHANGE: ${r.foreign.join(' ')}`;
  return `${r.symbol} ids ${r.expected[0]}..${r.expected[1]}: ${r.entries} entries in ${r.messages} messages, ${missing}${foreign}`;
}

function sameTrade(a: Trade, b: Trade | undefined): boolean {
  return (
    b !== undefined &&
    a.price === b.price &&
    a.qty === b.qty &&
    a.time === b.time &&
    a.buyerIsMaker === b.buyerIsMaker
  );
}
