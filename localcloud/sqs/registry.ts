/**
 * The queues of the one local account, by name, and the mapping between names, queue URLs and
 * ARNs. A queue URL is resolved by its last two path segments (account and name), so clients that
 * reach the stand-in as localhost while it says 127.0.0.1, or the other way round, still work.
 */
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../aws-local.js';
import type { FaultController } from '../faults.js';
import { queueDoesNotExist, SqsError } from './errors.js';
import { type DeliveryPlan, SqsQueue } from './queue.js';
import type { QueueSettings } from './queue-settings.js';
import { ReceiptIssuer } from './receipts.js';

export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

export class QueueRegistry {
  private readonly queues = new Map<string, SqsQueue>();
  readonly receipts = new ReceiptIssuer();
  /** The service's base URL, known once it listens; queue URLs start with it. */
  baseUrl = '';

  constructor(readonly clock: () => number = Date.now) {}

  urlOf(name: string): string {
    return `${this.baseUrl}/${LOCAL_ACCOUNT_ID}/${name}`;
  }

  arnOf(name: string): string {
    return `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${name}`;
  }

  get(name: string): SqsQueue | undefined {
    return this.queues.get(name);
  }

  /** The queue a QueueUrl names; InvalidAddress when it is no queue URL at all. */
  byUrl(queueUrl: string): SqsQueue {
    const path = pathOf(queueUrl);
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1);
    const account = path.slice(path.lastIndexOf('/', slash - 1) + 1, slash);
    if (slash <= 0 || name === '' || account === '') {
      throw new SqsError('InvalidAddress', `The address ${queueUrl} is not a queue URL of this endpoint.`);
    }
    const queue = account === LOCAL_ACCOUNT_ID ? this.queues.get(name) : undefined;
    if (queue === undefined) throw queueDoesNotExist();
    return queue;
  }

  /** The queue an ARN names, whatever region it states: there is only one local region. */
  byArn(arn: string): SqsQueue | undefined {
    const parts = arn.split(':');
    if (parts.length !== 6 || parts[0] !== 'arn' || parts[2] !== 'sqs' || parts[4] !== LOCAL_ACCOUNT_ID) {
      return undefined;
    }
    return this.queues.get(parts[5]!);
  }

  create(name: string, settings: QueueSettings, createdAt: number): SqsQueue {
    const queue = new SqsQueue(
      { name, arn: this.arnOf(name), createdAt },
      settings,
      this.receipts,
      this.clock,
    );
    this.queues.set(name, queue);
    return queue;
  }

  delete(queue: SqsQueue): void {
    if (this.queues.get(queue.name) === queue) this.queues.delete(queue.name);
    queue.close();
  }

  /** Queue names in order. */
  names(): string[] {
    return [...this.queues.keys()].sort();
  }

  all(): IterableIterator<SqsQueue> {
    return this.queues.values();
  }

  /** How a receive from `queue` delivers: its redrive target, if that queue exists, and duplicates. */
  planFor(queue: SqsQueue, visibilityTimeout: number, faults: FaultController): DeliveryPlan {
    const redrive = queue.settings.redrive;
    const target = redrive === undefined ? undefined : this.byArn(redrive.deadLetterTargetArn);
    return {
      visibilityTimeout,
      deadLetter:
        target === undefined || redrive === undefined
          ? undefined
          : { queue: target, maxReceiveCount: redrive.maxReceiveCount },
      faults,
    };
  }

  close(): void {
    for (const queue of this.queues.values()) queue.close();
  }
}

/** The path of a URL without its query, or the text itself when it has no scheme and host. */
function pathOf(url: string): string {
  let end = url.length;
  for (const mark of ['?', '#']) {
    const at = url.indexOf(mark);
    if (at >= 0 && at < end) end = at;
  }
  let path = url.slice(0, end);
  const scheme = path.indexOf('://');
  if (scheme >= 0) {
    const slash = path.indexOf('/', scheme + 3);
    path = slash < 0 ? '' : path.slice(slash);
  }
  return path.endsWith('/') ? path.slice(0, -1) : path;
}
