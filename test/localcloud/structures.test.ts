/**
 * The ordered structures the SQS and Pub/Sub stand-ins rest on, against plain reference models.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Deque } from '../../core/deque.js';
import { Schedule } from '../../localcloud/structures/schedule.js';

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
