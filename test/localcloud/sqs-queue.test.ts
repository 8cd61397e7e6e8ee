/**
 * One SQS queue's bookkeeping on a controlled clock: retention, visibility, the 12-hour limit,
 * redrive; and the ordered structures it rests on, against plain reference models.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Deque } from '../../localcloud/sqs/deque.js';
import { StoredMessage } from '../../localcloud/sqs/message.js';
import { type DeliveryPlan, SqsQueue } from '../../localcloud/sqs/queue.js';
import { QueueSettings } from '../../localcloud/sqs/queue-settings.js';
import { ReceiptIssuer } from '../../localcloud/sqs/receipts.js';
import { Schedule } from '../../localcloud/sqs/schedule.js';

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

interface Item {
  visibleAt: number;
  heapIndex: number;
}

const scheduleOp = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), at: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), at: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('pop' as const) }),
);
type ScheduleOp = typeof scheduleOp extends fc.Arbitrary<infer T> ? T : never;

/** Applies one operation to the schedule and to a plain list, checking pops against the list. */
function applyOp(schedule: Schedule<Item>, model: Item[], op: ScheduleOp): void {
  if (op.kind === 'add') {
    const item = { visibleAt: op.at, heapIndex: -1 };
    schedule.add(item);
    model.push(item);
  } else if (op.kind === 'pop') {
    const popped = schedule.pop();
    const least = model.length === 0 ? undefined : Math.min(...model.map((m) => m.visibleAt));
    expect(popped?.visibleAt).toBe(least);
    if (popped !== undefined) model.splice(model.indexOf(popped), 1);
  } else if (model.length > 0) {
    const item = model[op.pick % model.length]!;
    if (op.kind === 'remove') {
      schedule.remove(item);
      model.splice(model.indexOf(item), 1);
    } else {
      item.visibleAt = op.at;
      schedule.update(item);
    }
  }
}

describe('Schedule', () => {
  it('always yields the earliest entry, through adds, removals and updates', () => {
    fc.assert(
      fc.property(fc.array(scheduleOp, { maxLength: 200 }), (ops) => {
        const schedule = new Schedule<Item>();
        const model: Item[] = [];

        for (const op of ops) applyOp(schedule, model, op);
        const drained: number[] = [];
        for (let item = schedule.pop(); item !== undefined; item = schedule.pop())
          drained.push(item.visibleAt);

        expect(drained).toEqual(model.map((m) => m.visibleAt).sort((a, b) => a - b));
      }),
    );
  });
});

describe('Deque', () => {
  it('keeps first-in first-out order across many pushes and shifts', () => {
    const deque = new Deque<number>();
    const out: number[] = [];

    for (let i = 0; i < 5000; i++) {
      deque.push(i);
      if (i % 3 !== 0) out.push(deque.shift()!);
    }
    while (deque.length > 0) out.push(deque.shift()!);

    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(deque.shift()).toBeUndefined();
  });
});
