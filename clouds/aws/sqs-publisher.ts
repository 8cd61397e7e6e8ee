/**
 * Sends trade batches to one SQS standard queue with SendMessageBatch. The SQSClient comes in
 * through the constructor (endpoint, region, credentials and retries are the caller's choice); SDK
 * errors leave translated into CloudError.
 */
import {
  type BatchResultErrorEntry,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from 'pino';
import { CloudError, type CloudErrorCode, fromAwsError } from '../errors.js';
import type {
  OutboundMessage,
  PublishFailure,
  PublishLimits,
  PublishOutcome,
  TradePublisher,
} from '../ports.js';

/** SQS's limits since August 2025: 10 entries and 1 MiB per batch, 1 MiB per message. */
export const SQS_LIMITS: PublishLimits = Object.freeze({
  maxMessagesPerCall: 10,
  maxBytesPerCall: 1_048_576,
  maxMessageBytes: 1_048_576,
});

/** SQS also counts each attribute's data type toward the size, which OutboundMessage.bytes leaves out. */
const DATA_TYPE = 'String';

export interface SqsPublisherOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly logger?: Logger;
}

/** Messages of one SendMessageBatch call, with their indexes in the publish() call. */
interface Chunk {
  readonly indexes: number[];
  bytes: number;
}

export class SqsPublisher implements TradePublisher {
  readonly name = 'sqs';
  readonly limits = SQS_LIMITS;
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly logger: Logger | undefined;

  constructor(options: SqsPublisherOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.logger = options.logger;
  }

  /**
   * Normally one SendMessageBatch call. Messages too large for SQS fail here without a request (one
   * of them would make SQS refuse the whole batch); the rest are split further only if the caller
   * sent more than a call can hold, counting sizes as SQS does.
   */
  async publish(messages: readonly OutboundMessage[]): Promise<PublishOutcome> {
    const { chunks, failed } = plan(messages);
    const results = await Promise.allSettled(chunks.map((c) => this.send(messages, c.indexes)));
    const wholeFailures = results.filter((r) => r.status === 'rejected');
    if (failed.length === 0 && chunks.length > 0 && wholeFailures.length === chunks.length) {
      throw (wholeFailures[0] as PromiseRejectedResult).reason;
    }
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') failed.push(...r.value);
      else failed.push(...failAll(chunks[i]!.indexes, r.reason as CloudError));
    });
    failed.sort((a, b) => a.index - b.index);
    return { failed };
  }

  /** The client belongs to the caller, who may share it; nothing here holds resources. */
  async close(): Promise<void> {}

  /** One SendMessageBatch call; entry Ids are the indexes into the publish() call. */
  private async send(messages: readonly OutboundMessage[], indexes: number[]): Promise<PublishFailure[]> {
    const entries = indexes.map((i) => entry(messages[i]!, i));
    let out: SendMessageBatchCommandOutput;
    try {
      out = await this.client.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
      );
    } catch (err) {
      throw fromAwsError('sqs', err);
    }
    const failures = (out.Failed ?? []).map(entryFailure);
    const answered = new Set([
      ...(out.Successful ?? []).map((s) => s.Id),
      ...(out.Failed ?? []).map((f) => f.Id),
    ]);
    for (const i of indexes) {
      if (answered.has(String(i))) continue;
      // Not seen from SQS, but an entry it does not account for must not count as sent.
      this.logger?.warn({ cloud: 'aws', index: i }, 'SendMessageBatch answered without this entry');
      const error = new CloudError('sqs', 'UNKNOWN', `sqs: entry ${i} missing from the batch result`);
      failures.push({ index: i, retryable: true, error });
    }
    return failures;
  }
}

/** Refuses the messages SQS would refuse for size, and packs the rest into calls in order. */
function plan(messages: readonly OutboundMessage[]): { chunks: Chunk[]; failed: PublishFailure[] } {
  const failed: PublishFailure[] = [];
  const chunks: Chunk[] = [];
  let chunk: Chunk | undefined;
  messages.forEach((m, index) => {
    const size = sqsSize(m);
    if (size > SQS_LIMITS.maxMessageBytes) {
      failed.push({ index, retryable: false, error: tooLarge(m, size) });
      return;
    }
    if (
      chunk === undefined ||
      chunk.indexes.length >= SQS_LIMITS.maxMessagesPerCall ||
      chunk.bytes + size > SQS_LIMITS.maxBytesPerCall
    ) {
      chunk = { indexes: [], bytes: 0 };
      chunks.push(chunk);
    }
    chunk.indexes.push(index);
    chunk.bytes += size;
  });
  return { chunks, failed };
}

function entry(m: OutboundMessage, index: number): SendMessageBatchRequestEntry {
  const names = Object.keys(m.attributes);
  if (names.length === 0) return { Id: String(index), MessageBody: m.body };
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const name of names) attributes[name] = { DataType: DATA_TYPE, StringValue: m.attributes[name] };
  return { Id: String(index), MessageBody: m.body, MessageAttributes: attributes };
}

/** The message's size as SQS counts it: body, and each attribute's name, data type and value. */
export function sqsSize(m: OutboundMessage): number {
  return m.bytes + Object.keys(m.attributes).length * DATA_TYPE.length;
}

function tooLarge(m: OutboundMessage, size: number): CloudError {
  return new CloudError(
    'sqs',
    'TOO_LARGE',
    `sqs: message ${m.symbol} ${m.firstId}-${m.lastId} is ${size} bytes; SQS takes at most ${SQS_LIMITS.maxMessageBytes}`,
  );
}

const TOO_LARGE_WORDING = /too long|too large|shorter than/i;

function entryFailure(f: BatchResultErrorEntry): PublishFailure {
  const index = Number(f.Id);
  const code = entryCode(f);
  // A sender fault is ours to fix (bad content, over a limit) unless SQS says to slow down.
  const retryable = code === 'THROTTLED' || (f.SenderFault !== true && code !== 'TOO_LARGE');
  const error = new CloudError('sqs', code, `sqs: entry refused: ${f.Code}: ${f.Message ?? ''}`, {
    retryable,
  });
  return { index, retryable, error };
}

function entryCode(f: BatchResultErrorEntry): CloudErrorCode {
  if (TOO_LARGE_WORDING.test(f.Message ?? '')) return 'TOO_LARGE';
  const translated = fromAwsError('sqs', { name: f.Code, message: f.Message }).code;
  if (translated === 'THROTTLED' || translated === 'BAD_MESSAGE' || translated === 'NOT_FOUND')
    return translated;
  return f.SenderFault === true ? 'REJECTED' : 'UNAVAILABLE';
}

function failAll(indexes: readonly number[], error: CloudError): PublishFailure[] {
  return indexes.map((index) => ({ index, retryable: error.retryable, error }));
}
