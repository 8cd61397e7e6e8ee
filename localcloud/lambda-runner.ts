/**
 * Runs an SQS-triggered handler the way Lambda's event source mapping does.
 *
 * Pollers long-poll the queue, gather up to `batchSize` messages within the batching window, and
 * invoke the handler with the SQSEvent Lambda sends. A normal return deletes the batch; with
 * ReportBatchItemFailures the returned `batchItemFailures` stay on the queue and every other record
 * is deleted; a thrown error, a timeout or a malformed response fails the whole batch. Failed
 * messages reappear after their visibility timeout, and the queue's redrive policy moves poison
 * messages to the dead-letter queue. `concurrency` pollers run side by side, like the mapping's
 * maximum concurrency.
 */
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

/** Returns nothing, or an SQSBatchResponse; anything else fails the batch when failures are reported. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<unknown>;

export interface LambdaRunnerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly handler: SqsHandler;
  /** Records per invocation, 1..10,000 (Lambda's limit for standard queues). Default 10. */
  readonly batchSize?: number;
  /** How long to keep gathering a batch, 0..300 s. Lambda requires at least 1 s above 10 records. */
  readonly batchingWindowMs?: number;
  /** Pollers (concurrent invocations), default 2. */
  readonly concurrency?: number;
  readonly reportBatchItemFailures?: boolean;
  /** The function's timeout; an invocation running longer counts as failed. Default 60 s. */
  readonly timeoutMs?: number;
  readonly functionName?: string;
  /** Called after each invocation, for tests and logs. */
  readonly onInvocation?: (outcome: InvocationOutcome) => void;
  /** Called when polling itself fails (the queue is down, say); polling retries after a pause. */
  readonly onPollError?: (error: unknown) => void;
}

export interface InvocationOutcome {
  readonly records: number;
  readonly deleted: number;
  readonly failed: number;
  /** Set when the whole batch failed: the error, the timeout or the malformed response. */
  readonly error?: string;
}

export class LambdaRunnerError extends Error {}

const MAX_BATCH = 10_000;
const POLL_PAUSE_MS = 500;

export class LambdaRunner {
  private readonly opts: Required<Omit<LambdaRunnerOptions, 'onInvocation' | 'onPollError'>> &
    Pick<LambdaRunnerOptions, 'onInvocation' | 'onPollError'>;
  private running = false;
  private readonly pollers: Promise<void>[] = [];
  private readonly aborts = new Set<AbortController>();
  private arn = '';
  private invocationCount = 0;

  constructor(options: LambdaRunnerOptions) {
    this.opts = {
      batchSize: 10,
      batchingWindowMs: 0,
      concurrency: 2,
      reportBatchItemFailures: false,
      timeoutMs: 60_000,
      functionName: 'local-function',
      ...options,
    };
    const { batchSize, batchingWindowMs, concurrency } = this.opts;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) {
      throw new LambdaRunnerError(`batchSize must be 1..${MAX_BATCH}, got ${batchSize}`);
    }
    if (batchSize > 10 && batchingWindowMs < 1000) {
      throw new LambdaRunnerError(
        'a batchSize above 10 needs a batching window of at least 1 s, as Lambda requires',
      );
    }
    if (!(batchingWindowMs >= 0 && batchingWindowMs <= 300_000)) {
      throw new LambdaRunnerError(`batchingWindowMs must be 0..300000, got ${batchingWindowMs}`);
    }
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new LambdaRunnerError(`concurrency must be a positive integer, got ${concurrency}`);
    }
  }

  get invocations(): number {
    return this.invocationCount;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const attrs = await this.opts.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: this.opts.queueUrl, AttributeNames: ['QueueArn'] }),
    );
    this.arn = attrs.Attributes?.QueueArn ?? '';
    this.running = true;
    for (let i = 0; i < this.opts.concurrency; i++) this.pollers.push(this.poll());
  }

  /** Stops polling and waits for invocations under way to finish. */
  async stop(): Promise<void> {
    this.running = false;
    for (const a of this.aborts) a.abort();
    await Promise.all(this.pollers.splice(0));
  }

  private async poll(): Promise<void> {
    while (this.running) {
      let batch: Message[];
      try {
        batch = await this.gather();
      } catch (err) {
        if (!this.running) return;
        this.opts.onPollError?.(err);
        await sleep(POLL_PAUSE_MS);
        continue;
      }
      if (batch.length > 0) await this.invoke(batch);
    }
  }

  /**
   * Receives until the batch is full, or the window (counted from the first message) closes, or,
   * without a window, as soon as anything arrived.
   */
  private async gather(): Promise<Message[]> {
    const { batchSize, batchingWindowMs } = this.opts;
    const batch: Message[] = [];
    let deadline = Number.POSITIVE_INFINITY;
    while (this.running && batch.length < batchSize) {
      const left = deadline - Date.now();
      if (batch.length > 0 && left <= 0) break;
      const waitSeconds = batch.length === 0 ? 20 : Math.min(20, Math.floor(left / 1000));
      const received = await this.receive(Math.min(10, batchSize - batch.length), waitSeconds);
      if (batch.length === 0 && received.length > 0) deadline = Date.now() + batchingWindowMs;
      batch.push(...received);
      if (batchingWindowMs === 0 && batch.length > 0) break;
      // Under a second of window left: short polls would spin, so pause briefly between them.
      if (received.length === 0 && waitSeconds === 0) await sleep(Math.min(Math.max(left, 0), 100));
    }
    return batch;
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const abort = new AbortController();
    this.aborts.add(abort);
    try {
      const out = await this.opts.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.opts.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: abort.signal },
      );
      return out.Messages ?? [];
    } catch (err) {
      if (abort.signal.aborted) return [];
      throw err;
    } finally {
      this.aborts.delete(abort);
    }
  }

  private async invoke(batch: Message[]): Promise<void> {
    const event: SQSEvent = { Records: batch.map((m) => this.toRecord(m)) };
    this.invocationCount++;
    let failedIds: Set<string>;
    let error: string | undefined;
    try {
      const response = await withTimeout(this.opts.handler(event, this.context()), this.opts.timeoutMs);
      failedIds = this.failuresOf(response, event);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      failedIds = new Set(event.Records.map((r) => r.messageId));
    }
    const toDelete = event.Records.filter((r) => !failedIds.has(r.messageId));
    await this.deleteAll(toDelete);
    this.opts.onInvocation?.({
      records: batch.length,
      deleted: toDelete.length,
      failed: failedIds.size,
      error,
    });
  }

  /** The ids to keep on the queue; throws when the response is malformed, failing the whole batch. */
  private failuresOf(response: unknown, event: SQSEvent): Set<string> {
    if (!this.opts.reportBatchItemFailures || response === undefined || response === null) return new Set();
    if (typeof response !== 'object')
      throw new LambdaRunnerError('the function returned something other than an SQSBatchResponse');
    const items = (response as Partial<SQSBatchResponse>).batchItemFailures;
    if (items === undefined || items === null) return new Set();
    if (!Array.isArray(items)) throw new LambdaRunnerError('batchItemFailures is not a list');
    const ids = new Set(event.Records.map((r) => r.messageId));
    const failed = new Set<string>();
    for (const item of items) {
      const id = (item as { itemIdentifier?: unknown })?.itemIdentifier;
      if (typeof id !== 'string' || !ids.has(id)) {
        throw new LambdaRunnerError(
          `batchItemFailures names ${JSON.stringify(id)}, which is not in the batch`,
        );
      }
      failed.add(id);
    }
    return failed;
  }

  private async deleteAll(records: readonly SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
      try {
        await this.opts.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.opts.queueUrl,
            Entries: chunk.map((r, k) => ({ Id: String(k), ReceiptHandle: r.receiptHandle })),
          }),
        );
      } catch (err) {
        // Not deleted means delivered again: at least once, as with Lambda itself.
        this.opts.onPollError?.(err);
      }
    }
  }

  private toRecord(m: Message): SQSRecord {
    const a = m.Attributes ?? {};
    return {
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? '',
        SenderId: a.SenderId ?? '',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? '',
      },
      messageAttributes: toRecordAttributes(m),
      md5OfBody: m.MD5OfBody ?? '',
      ...(m.MD5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: m.MD5OfMessageAttributes }),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: this.arn.split(':')[3] ?? '',
    };
  }

  private context(): Context {
    const started = Date.now();
    const timeout = this.opts.timeoutMs;
    const name = this.opts.functionName;
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
      memoryLimitInMB: '1024',
      awsRequestId: crypto.randomUUID(),
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, timeout - (Date.now() - started)),
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
  }
}

/** Lambda's record shape for message attributes: lower-case keys, base64 binary values. */
function toRecordAttributes(m: Message): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, v] of Object.entries(m.MessageAttributes ?? {})) {
    out[name] = {
      dataType: v.DataType ?? 'String',
      stringValue: v.StringValue,
      binaryValue: v.BinaryValue === undefined ? undefined : Buffer.from(v.BinaryValue).toString('base64'),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return out;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaRunnerError(`the function timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
