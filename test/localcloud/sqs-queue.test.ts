/**
 * One SQS queue's bookkeeping on a controlled clock: retention, visibility, the 12-hour limit,
 * redrive. The ordered structures it rests on are tested in structures.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StoredMessage } from '../../localcloud/sqs/message.js';
import { type DeliveryPlan, SqsQueue } from '../../localcloud/sqs/queue.js';
import { QueueSettings } from '../../localcloud/sqs/queue-settings.js';
import { ReceiptIssuer } from '../../localcloud/sqs/receipts.js';

const queues: SqsQueue[] = [];
afterEach(() => {
  for (const q of queues.splice(0)) q.close();
});

function queueAt(clock: { now: number }, name = 'q', attributes: Record<string, string> = {}): SqsQueue {
  const settings = new QueueSettings(new Map(Object.entries(attributes)));
  const queue = new SqsQueue(
    { name, arn: `arn:aws:sqs:us-east-1:000000000000:${name}`, createdAt: 0 },
    settings,
    new ReceiptIssuer(),
    () => clock.now,
  );
  queues.push(queue);
  return queue;
}

let nextId = 0;
function message(body: string, sentAt: number): StoredMessage {
  nextId++;
  const id = `00000000-0000-4000-8000-${String(nextId).padStart(12, '0')}`;
  return new StoredMessage({
    id,
    body,
    attributes: undefined,
    traceHeader: undefined,
    groupId: undefined,
    sentAt,
    senderId: 'me',
  });
}

const plan = (visibilityTimeout: number, deadLetter?: DeliveryPlan['deadLetter']): DeliveryPlan => ({
  visibilityTimeout,
  deadLetter,
  faults: { duplicate: () => false },
});

describe('SqsQueue', () => {
  it('drops messages older than MessageRetentionPeriod, visible or in flight', () => {
    const clock = { now: 0 };
    const queue = queueAt(clock, 'retention', { MessageRetentionPeriod: '60' });
    for (const body of ['a', 'b', 'c']) queue.enqueue(message(body, 0), 0, 0);

    const early = queue.take(1, plan(600), 59_999);
    const late = queue.take(10, plan(600), 60_000);
    const stats = queue.stats(60_000);

    expect(early.map((m) => m.body)).toEqual(['a']);
    expect(late).toEqual([]);
    expect(stats).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
  });

  it('hides a delivered message for exactly its visibility timeout', () => {
    const clock = { now: 0 };
    const queue = queueAt(clock);
    queue.enqueue(message('a', 0), 0, 0);

    const first = queue.take(1, plan(30), 0);
    const hidden = queue.take(1, plan(30), 29_999);
    const again = queue.take(1, plan(30), 30_000);

    expect(first.length).toBe(1);
    expect(hidden).toEqual([]);
    expect(again[0]?.receiveCount).toBe(2);
  });

  it('refuses to keep a message hidden beyond 12 hours after its receive', () => {
    const clock = { now: 0 };
    const queue = queueAt(clock);
    queue.enqueue(message('a', 0), 0, 0);
    const [got] = queue.take(1, plan(10), 0);

    const atReceive = queue.changeVisibility(got!.handle!, 43_200, 0);
    const later = queue.changeVisibility(got!.handle!, 43_200, 5_000);

    expect(atReceive).toBe('changed');
    expect(later).toBe('over-limit');
  });

  it('moves a message past maxReceiveCount to the dead-letter queue instead of delivering it', () => {
    const clock = { now: 0 };
    const source = queueAt(clock, 'source');
    const dlq = queueAt(clock, 'dlq');
    source.enqueue(message('poison', 0), 0, 0);
    const redrive = plan(1, { queue: dlq, maxReceiveCount: 1 });

    const first = source.take(1, redrive, 0);
    const second = source.take(1, redrive, 1_000);
    const moved = dlq.take(1, plan(30), 1_000);

    expect(first.length).toBe(1);
    expect(second).toEqual([]);
    expect(moved[0]).toMatchObject({
      id: first[0]!.id,
      body: 'poison',
      sentAt: 0,
      deadLetterSourceArn: source.arn,
    });
    expect(source.stats(1_000)).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
  });

  it('counts delayed, visible and in-flight messages apart', () => {
    const clock = { now: 0 };
    const queue = queueAt(clock);
    queue.enqueue(message('delayed', 0), 5, 0);
    queue.enqueue(message('visible', 0), 0, 0);
    queue.enqueue(message('taken', 0), 0, 0);
    queue.take(1, plan(30), 0);

    expect(queue.stats(0)).toEqual({ visible: 1, notVisible: 1, delayed: 1 });
    expect(queue.stats(5_000)).toEqual({ visible: 2, notVisible: 1, delayed: 0 });
  });
});
